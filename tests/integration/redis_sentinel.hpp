#pragma once
// A real Sentinel deployment for the library's integration tests: a master,
// one replica and three Sentinels (quorum 2) watching it, with short
// timeouts so that a failover takes seconds. Ready when every Sentinel
// names the same master, knows its replica (linked) and the other two
// Sentinels (needed for a vote). Everything stops in the destructors.

#include "redis_server.hpp"

#include <memory>
#include <string>
#include <vector>

namespace statesync::testing {

class RedisSentinelGroup {
public:
  explicit RedisSentinelGroup(std::string master_name = "mymaster");

  // As a program is pointed at it (Topology::sentinel).
  Endpoint endpoint() const;
  // The data node every Sentinel names now.
  Endpoint master() const;
  // The replica (before a failover) has processed all the master had.
  bool replica_caught_up() const;
  // Stops the master answering (RedisServer::freeze).
  void freeze_master();
  // Cuts the replica off (a wrong masterauth, its link killed): the master
  // has no replica connected, while the Sentinels, which still reach the
  // replica, list it as up.
  void cut_replica_off();

  enum class Failover {
    manual, // SENTINEL FAILOVER: the old master becomes a replica
    killed, // SIGKILL: the Sentinels agree that it is down and vote
  };
  // Promotes the replica; returns once every Sentinel names it, it says it
  // is a master and (manual) the old master follows it.
  Endpoint failover(Failover how);

private:
  RedisServer& data_node(const Endpoint& endpoint);
  Endpoint named_by(const RedisServer& sentinel) const;
  bool settled() const;

  std::string name_;
  std::vector<std::unique_ptr<RedisServer>> data_nodes_;
  std::vector<std::unique_ptr<RedisServer>> sentinels_;
};

} // namespace statesync::testing
