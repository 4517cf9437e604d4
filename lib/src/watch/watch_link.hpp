#pragma once
// What the key watcher takes from the link of its endpoint: where each key
// is tracked (the server; in a cluster the owner of its slot) and
// connections there, with the watcher's client name and wake fd. The one
// file that changes when the watcher moves onto the library's Link.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <string>
#include <vector>

namespace statesync::detail {

// One server to track at, and the exact keys it serves.
struct WatchPlacement {
  Endpoint node;
  std::vector<std::string> keys;
};

class WatchLink {
public:
  WatchLink(Endpoint endpoint, std::string client_name);

  // Every server keys are tracked at, each with the keys it serves: one
  // server (the master the Sentinels name) with all of them; in a cluster
  // every master, with the keys of its slots (patterns are tracked at
  // every master). Read anew at each call, so that a failover or a slot
  // move is followed by whoever asks again. Throws Error(unavailable) when
  // a slot has no owner.
  std::vector<WatchPlacement> placements(const std::vector<std::string>& keys);

  Connection open(const Endpoint& node) const;

  // Cluster only: whether the slot map is still the one placements() read
  // (a slot moved without any connection being lost otherwise goes
  // unnoticed). Always true for one server.
  bool map_unchanged();

  const Endpoint& endpoint() const noexcept { return endpoint_; }
  void set_wake_fd(int fd) noexcept { wake_fd_ = fd; }

private:
  Endpoint endpoint_;
  std::string client_name_;
  int wake_fd_ = -1;
  std::vector<Endpoint> cluster_nodes_; // last known, to ask for the map
  std::string map_fingerprint_;
};

} // namespace statesync::detail
