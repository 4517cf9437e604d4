#pragma once
// When to renew and when to give up, as fractions of the TTL, all counted
// from the send time of the last successful renewal (the lease runs at
// least TTL from then, whatever the server's reply latency):
//
//   0 ........ TTL/3 ........ 2TTL/3 ........ 5TTL/6 ........ TTL
//   renewed    renew          no reply yet:   SIGKILL         lease
//                             lost, SIGTERM   (grace TTL/6)   may end
//
// so that the whole group is gone before another holder can get the lock.

#include <chrono>

namespace statesync::tools {

struct LeasePlan {
  std::chrono::milliseconds ttl;

  std::chrono::milliseconds renew_after() const { return ttl / 3; }
  std::chrono::milliseconds give_up_after() const { return ttl * 2 / 3; }
  // From SIGTERM to SIGKILL (also for --max-runtime).
  std::chrono::milliseconds grace() const { return ttl / 6; }
};

} // namespace statesync::tools
