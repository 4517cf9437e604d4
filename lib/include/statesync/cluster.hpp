#pragma once
// Redis Cluster: which slot a key (or a sharded channel) hashes to. The
// routing itself (the slot map, redirections, failovers) is the link's
// (link.hpp).

#include <statesync/export.hpp>

#include <string_view>

namespace statesync {

// How many hash slots a Redis Cluster has: key_slot() is below it.
inline constexpr int cluster_slots = 16384;

// CRC16 (XMODEM) of the key mod 16384; only the part inside the first
// non-empty {hash tag} counts, so "{user1}.a" and "{user1}.b" share a slot.
STATESYNC_API int key_slot(std::string_view key);

} // namespace statesync
