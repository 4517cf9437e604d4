#pragma once
// `statesync-lock NAME` with no command (as `etcdctl lock NAME`): a
// maintenance window held by hand. The lock is taken already; its fencing
// token goes to standard output, and the lease is kept until a signal
// (SIGINT, SIGTERM ...), the end of standard input, or its loss.

#include <statesync/lock.hpp>

namespace statesync::tools {

struct HandHoldEnd {
  bool lost = false;
  int signal = 0; // the signal that ended it; 0: standard input closed (or lost)
};

// Signals must already be caught (catch_signals, the relayed ones).
HandHoldEnd hold_by_hand(Lock& lock);

} // namespace statesync::tools
