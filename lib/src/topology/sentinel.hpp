#pragma once
// Finding the master of a Sentinel group: Connection::open does it for an
// endpoint with Topology::sentinel, at every (re)connect, so that a
// failover is followed by whoever connects again.

#include <statesync/connection.hpp>

namespace statesync::detail {

// Asks the Sentinels in turn for the master's address, connects, and
// checks that the server says it is the master (during a failover a
// Sentinel may still name the old one). Tries again until the connect
// timeout has passed. Throws Error(refused) when a Sentinel or the master
// refuses the credentials, Error(unavailable) when no master is found.
Connection open_sentinel_master(const Endpoint& endpoint, const std::string& client_name);

} // namespace statesync::detail
