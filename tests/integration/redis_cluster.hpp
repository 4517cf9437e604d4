#pragma once
// A real Redis Cluster of three masters (no replicas) for the library's
// integration tests, created with redis-cli --cluster create; ready when
// every node says cluster_state:ok and they agree on the slots.

#include "redis_server.hpp"

#include <memory>
#include <vector>

namespace statesync::testing {

class RedisCluster {
public:
  RedisCluster();

  // A node's endpoint, as a tool would be pointed at it (Topology::cluster).
  Endpoint seed(std::size_t node = 0) const;
  // The endpoint of the node that owns `key`'s slot.
  Endpoint owner(std::string_view key) const;

private:
  std::vector<std::unique_ptr<RedisServer>> nodes_;
};

} // namespace statesync::testing
