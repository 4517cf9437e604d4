#include "util/deadline.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace statesync::detail {

Readiness wait_fd(int fd, short events, std::optional<Clock::time_point> deadline, int wake_fd) {
  for (;;) {
    pollfd entries[2] = {{fd, events, 0}, {wake_fd, POLLIN, 0}};
    int timeout_ms = -1;
    if (deadline) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
      // poll takes an int: a deadline further than this is waited for in
      // several polls.
      timeout_ms = static_cast<int>(std::clamp<long long>(left.count(), 0, 1 << 30));
    }
    const int n = ::poll(entries, wake_fd >= 0 ? 2 : 1, timeout_ms);
    if (n > 0) {
      return entries[0].revents != 0 ? Readiness::ready : Readiness::interrupted;
    }
    if (n < 0 && errno == EINTR) {
      return Readiness::interrupted;
    }
    // A poll that ends before the deadline (a long deadline cut to an int)
    // is not an interruption: nothing asked to stop, so wait on.
    if (n < 0 || !deadline || Clock::now() >= *deadline) {
      return Readiness::timed_out;
    }
  }
}

std::string seconds_text(std::chrono::milliseconds duration) {
  return fmt::format("{:.1f}s", static_cast<double>(duration.count()) / 1000.0);
}

} // namespace statesync::detail
