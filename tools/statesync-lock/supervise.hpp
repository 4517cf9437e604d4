#pragma once
// Running the command while holding the lock: renewal on the lease plan,
// loss handling, --max-runtime, and forwarding of signals to the command.

#include "child.hpp"
#include "options.hpp"

#include <statesync/lock.hpp>

#include <chrono>
#include <optional>

namespace statesync::tools {

struct SupervisionResult {
  int wait_status = 0;
  bool lost = false;
  bool max_runtime_hit = false;
  int relayed_signal = 0; // the last signal passed on to the command; 0: none
};

// Runs until the child has ended (and, after a loss or --max-runtime,
// until its group is gone or has been killed). Signals must already be
// caught (catch_signals) with SIGCHLD among them.
// The lease is kept by Lock::keep, failovers included.
SupervisionResult supervise(Lock& lock, Child& child, OnLost on_lost,
                            std::optional<std::chrono::milliseconds> max_runtime);

} // namespace statesync::tools
