#pragma once
// Retrying while a failover is under way.

#include "util/deadline.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>

namespace statesync::detail {

// While a failed master's replica takes over, the slot map still names the
// failed one for a moment: `attempt` (read the map, connect to a node) is
// run again after a pause, until it succeeds or `endpoint`'s connect
// timeout has passed. What is not Error(unavailable) is thrown at once; a
// signal ending a pause throws the last failure.
template <class Attempt>
decltype(auto) retry_during_failover(const Endpoint& endpoint, const Attempt& attempt) {
  constexpr std::chrono::milliseconds pause{100};
  const auto deadline = Clock::now() + endpoint.connect_timeout;
  for (;;) {
    try {
      return attempt();
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::unavailable || Clock::now() >= deadline ||
          !pause_until(Clock::now() + pause, -1)) {
        throw;
      }
    }
  }
}

} // namespace statesync::detail
