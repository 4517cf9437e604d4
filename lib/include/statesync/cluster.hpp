#pragma once
// Redis Cluster: which slot a key (or a sharded channel) hashes to, which
// node owns each slot, and connecting to a key's owner. A client follows a
// MOVED reply, a lost node or a failover by reading the map again and
// connecting anew (connect_for_key, the subscriber's placements).

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {

inline constexpr int cluster_slots = 16384;

// CRC16 (XMODEM) of the key mod 16384; only the part inside the first
// non-empty {hash tag} counts, so "{user1}.a" and "{user1}.b" share a slot.
STATESYNC_API int key_slot(std::string_view key);

// Which node serves each slot, as CLUSTER SLOTS says.
class STATESYNC_API SlotMap {
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
STATESYNC_API std::size_t owner_or_throw(const SlotMap& map, int slot, const Endpoint& seed);

// Connects to `endpoint` as it names it; with Topology::cluster, to the
// node that owns `key`'s slot instead (its host and port are a seed).
STATESYNC_API Connection connect_for_key(const Endpoint& endpoint, const std::string& client_name,
                                         std::string_view key);

// The slot map, read from the first of `seeds` that answers. Throws the
// last node's Error when none does.
STATESYNC_API SlotMap read_slot_map(const std::vector<Endpoint>& seeds, const std::string& client_name);

} // namespace statesync
