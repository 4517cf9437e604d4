#pragma once
// The lease plan as the command sees it. Lock::keep renews at a third of
// the TTL and gives the lock up at two thirds, both counted from the send
// time of the last successful renewal (the lease runs at least TTL from
// then, whatever the server's reply latency); from there the command's
// group gets SIGTERM, and SIGKILL a grace period later:
//
//   0 ........ TTL/3 ........ 2TTL/3 ........ 5TTL/6 ........ TTL
//   renewed    renew          no reply yet:   SIGKILL         lease
//                             lost, SIGTERM   (grace TTL/6)   may end
//
// so that the whole group is gone before another holder can get the lock.

#include <chrono>

namespace statesync::tools {

// From SIGTERM to SIGKILL (also for --max-runtime).
inline std::chrono::milliseconds grace_period(std::chrono::milliseconds ttl) {
  return ttl / 6;
}

} // namespace statesync::tools
