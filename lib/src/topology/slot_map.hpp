#pragma once
// Redis Cluster's slot map (CLUSTER SLOTS): which node owns each slot.
// The link routes by it; nothing above the link sees it.

#include <statesync/cluster.hpp>
#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace statesync::detail {

class SlotMap {
public:
  // Asks `connection` (any node). Nodes inherit its endpoint's settings
  // (credentials, TLS, timeouts) with their own host and port. Throws
  // Error(protocol) for a reply that is not a slot table, Error(server)
  // for a server that is not a cluster node.
  static SlotMap read(Connection& connection);

  // The owner of `slot`, an index into nodes(); nullopt: no node serves it.
  std::optional<std::size_t> owner(int slot) const;
  const std::vector<Endpoint>& nodes() const noexcept { return nodes_; }

private:
  std::vector<Endpoint> nodes_;
  std::array<std::int16_t, cluster_slots> owner_{}; // -1: none
};

// The owner of `slot`; Error(unavailable) when no node serves it (a
// failover under way), naming `seed`.
std::size_t owner_or_throw(const SlotMap& map, int slot, const Endpoint& seed);

// The slot map, read from the first of `seeds` that answers. Throws the
// last node's Error when none does.
SlotMap read_slot_map(const std::vector<Endpoint>& seeds, const std::string& client_name);

} // namespace statesync::detail
