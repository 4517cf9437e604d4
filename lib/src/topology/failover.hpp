#pragma once
// What a failover looks like to a client that was talking to the old
// master: the connection lost, the old master demoted (READONLY, or
// UNBLOCKED to a client blocked there, e.g. a lock's waiter), the slot
// owned by another node (MOVED), the cluster briefly down (CLUSTERDOWN,
// TRYAGAIN). After such an error a client of a Sentinel group or a cluster
// connects again (to the master the Sentinels now name, to the slot's new
// owner) rather than giving up.

#include <statesync/error.hpp>

namespace statesync {

bool suggests_failover(const Error& error) noexcept;

// A MOVED reply: the server is a cluster node and another node owns the
// slot. A client that was not told it talks to a cluster learns it so.
bool is_cluster_redirection(const Error& error) noexcept;

// TRYAGAIN: a command on several keys met a slot half-way through a
// migration (some keys moved, some not). It succeeds once the migration
// is done: try again shortly.
bool is_slot_migrating(const Error& error) noexcept;

} // namespace statesync
