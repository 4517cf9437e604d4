#include "watch/watch_link.hpp"

#include <statesync/cluster.hpp>
#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace statesync::detail {
namespace {

// The slot map as text: two maps with the same text route every key alike.
std::string fingerprint(const SlotMap& map) {
  std::string text;
  for (int slot = 0; slot < cluster_slots; ++slot) {
    const auto owner = map.owner(slot);
    text += owner ? map.nodes()[*owner].where() : "-";
    text += ' ';
  }
  return text;
}

} // namespace

WatchLink::WatchLink(Endpoint endpoint, std::string client_name)
    : endpoint_(std::move(endpoint)), client_name_(std::move(client_name)) {}

Connection WatchLink::open(const Endpoint& node) const {
  Connection connection = Connection::open(node, client_name_);
  connection.set_wake_fd(wake_fd_);
  return connection;
}

std::vector<WatchPlacement> WatchLink::placements(const std::vector<std::string>& keys) {
  if (endpoint_.topology != Topology::cluster) {
    return {{endpoint_, keys}};
  }
  Endpoint seed = endpoint_;
  seed.topology = Topology::standalone;
  std::vector<Endpoint> seeds{seed};
  seeds.insert(seeds.end(), cluster_nodes_.begin(), cluster_nodes_.end());
  const SlotMap map = read_slot_map(seeds, client_name_);
  cluster_nodes_ = map.nodes();
  map_fingerprint_ = fingerprint(map);
  std::vector<WatchPlacement> result;
  for (const Endpoint& node : map.nodes()) {
    result.push_back({node, {}});
  }
  for (const auto& key : keys) {
    result[owner_or_throw(map, key_slot(key), seed)].keys.push_back(key);
  }
  return result;
}

bool WatchLink::map_unchanged() {
  if (endpoint_.topology != Topology::cluster) {
    return true;
  }
  return fingerprint(read_slot_map(cluster_nodes_, client_name_)) == map_fingerprint_;
}

} // namespace statesync::detail
