#pragma once
// Redis Cluster: which slot a key (or a sharded channel) hashes to. The
// routing itself (the slot map, redirections, failovers) is the link's
// (link.hpp).

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>

#include <string>
#include <string_view>

namespace statesync {

inline constexpr int cluster_slots = 16384;

// CRC16 (XMODEM) of the key mod 16384; only the part inside the first
// non-empty {hash tag} counts, so "{user1}.a" and "{user1}.b" share a slot.
STATESYNC_API int key_slot(std::string_view key);

// Connects to `endpoint` as it names it; with Topology::cluster, to the
// node that owns `key`'s slot instead (its host and port are a seed).
STATESYNC_API Connection connect_for_key(const Endpoint& endpoint, const std::string& client_name,
                                         std::string_view key);

} // namespace statesync
