#pragma once
// Finding the master of a Sentinel group: the link does it for an endpoint
// with Topology::sentinel, at every (re)connect, so that a failover is
// followed by reconnecting.

#include <statesync/connection.hpp>

#include <optional>

namespace statesync::detail {

// Error(usage) for a Sentinel endpoint without a master name or an
// address; nothing for any other endpoint.
void check_sentinel_endpoint(const Endpoint& endpoint);

// Asks the Sentinels in turn for the master's address, connects, and
// checks that the server says it is the master (during a failover a
// Sentinel may still name the old one). Tries again, round after round,
// until the connect timeout has passed. Throws Error(refused) when a
// Sentinel or the master refuses the credentials, Error(unavailable) when
// no master is found; nullopt when `wake_fd` ended a pause between rounds.
std::optional<Connection> open_sentinel_master(const Endpoint& endpoint, const std::string& client_name, int wake_fd);

} // namespace statesync::detail
