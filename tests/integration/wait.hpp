#pragma once
// Waiting for a condition the servers report (a failover done, a replica
// caught up): polled, bounded, so a condition that never comes fails the
// test instead of hanging it.

#include <statesync/error.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace statesync::testing {

// Polls `condition` until it returns true; an Error it throws (a node that
// is down) counts as false. Throws std::runtime_error naming `what` after
// `limit`.
template <class Condition>
void wait_until(Condition condition, std::string_view what,
                std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  std::string last;
  while (std::chrono::steady_clock::now() < end) {
    try {
      if (condition()) {
        return;
      }
    } catch (const Error& error) {
      last = error.what();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  throw std::runtime_error("timed out waiting for " + std::string(what) + " (last error: " + last + ")");
}

} // namespace statesync::testing
