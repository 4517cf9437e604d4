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

// A connection to the Sentinel at `address` of `endpoint` (with the
// Sentinels' own credentials), made by `connect_by`, its waits ending by
// `wait_limit` too (Connection::set_wait_limit).
Connection open_sentinel(const Endpoint& endpoint, const HostPort& address, const std::string& client_name,
                         Clock::time_point connect_by, std::optional<Clock::time_point> wait_limit);

// The master's address one Sentinel names; nullopt with `why` set when it
// knows no such master.
std::optional<HostPort> master_named_by(Connection& sentinel, const std::string& master, std::string& why);

// Asks the Sentinels in turn for the master's address, connects, and
// checks that the server says it is the master (during a failover a
// Sentinel may still name the old one). Tries again, round after round,
// until the connect timeout (or `wait_limit`, if sooner) has passed; every
// wait on a Sentinel ends by then, and the master's connection keeps
// `wait_limit`. `replicas`: how many replicas of it the Sentinel that named
// it lists as up. Throws Error(refused) when a Sentinel or the master
// refuses the credentials, Error(unavailable) when no master is found;
// nullopt when `wake_fd` ended a pause between rounds.
std::optional<Connection> open_sentinel_master(const Endpoint& endpoint, const std::string& client_name, int wake_fd,
                                               std::optional<Clock::time_point> wait_limit, int& replicas);

} // namespace statesync::detail
