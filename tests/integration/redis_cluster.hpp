#pragma once
// A real Redis Cluster of three masters (with one replica each, or none)
// for the library's integration tests, created with redis-cli --cluster
// create; ready when every running node says cluster_state:ok, they agree
// on the slots, and every replica is linked to its master.

#include "redis_server.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::testing {

class RedisCluster {
public:
  // With replicas, a short node timeout, so that a replica takes over a
  // killed master within seconds.
  explicit RedisCluster(bool with_replicas = false);

  // A node's endpoint, as a tool would be pointed at it (Topology::cluster).
  Endpoint seed(std::size_t node = 0) const;
  // The endpoint of the node that owns `key`'s slot.
  Endpoint owner(std::string_view key) const;
  // One name per master (by its slot's owner): prefix, a number, suffix.
  std::vector<std::string> names_on_every_master(std::string_view prefix, std::string_view suffix = {}) const;

  // Every replica has processed what its master had (replica_caught_up).
  bool replicas_caught_up() const;
  // Stops the owner of `key`'s slot answering (RedisServer::freeze).
  void freeze_owner(std::string_view key);
  // Kills the owner of `key`'s slot (SIGKILL) and returns its replica's
  // endpoint once that replica has taken over and the cluster is healthy.
  Endpoint kill_owner(std::string_view key);

private:
  RedisServer& node(const Endpoint& endpoint);
  // The nodes not killed.
  std::vector<const RedisServer*> running() const;

  std::vector<std::unique_ptr<RedisServer>> nodes_;
  std::vector<const RedisServer*> killed_;
};

} // namespace statesync::testing
