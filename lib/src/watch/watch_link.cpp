#include "watch/watch_link.hpp"

#include "events/recover_by.hpp"

#include "topology/slot_map.hpp"

#include "topology/failover.hpp"
#include <statesync/error.hpp>

#include <fmt/format.h>

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

Endpoint seed_of(const Endpoint& endpoint) {
  Endpoint seed = endpoint;
  seed.topology = Topology::standalone;
  return seed;
}

} // namespace

WatchLink::WatchLink(LinkOptions options) : link_(std::move(options)) {}

Connection WatchLink::open(const Endpoint& node) {
  return link_.connection().open_sibling(node);
}

std::vector<WatchPlacement> WatchLink::placements(const std::vector<std::string>& keys) {
  if (link_.topology() != Topology::cluster) {
    // The master the Sentinels name now, or the one server.
    return {{link_.connection().endpoint(), keys}};
  }
  const Endpoint seed = seed_of(link_.endpoint());
  const SlotMap map = read_slot_map({seed, link_.connection().endpoint()}, link_.options().client_name);
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
  if (link_.topology() != Topology::cluster) {
    return true;
  }
  const Endpoint seed = seed_of(link_.endpoint());
  return fingerprint(read_slot_map({seed, link_.connection().endpoint()}, link_.options().client_name)) ==
         map_fingerprint_;
}

bool WatchLink::recover(const Error& error, std::optional<Clock::time_point> deadline) {
  // An ASK, met reading a key of a slot being migrated: everything is
  // read again once the connections are back, like after a lost one.
  return recover_by(link_, suggests_failover(error) ? error : Error(ErrorKind::unavailable, error.what()), deadline);
}

} // namespace statesync::detail
