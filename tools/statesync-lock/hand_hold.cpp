#include "hand_hold.hpp"

#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"
#include "relayed_signals.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <poll.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

// Reads and drops what is there; false once standard input has ended.
bool stdin_open() {
  std::array<char, 4096> buffer;
  const auto n = ::read(STDIN_FILENO, buffer.data(), buffer.size());
  return n > 0 || (n < 0 && (errno == EINTR || errno == EAGAIN));
}

} // namespace

HandHoldEnd hold_by_hand(Lock& lock) {
  write_stdout(fmt::format("{}\n", lock.fence()));
  report_verbose(fmt::format("holding '{}' (fencing token {}) until SIGINT, SIGTERM or the end of standard input",
                             lock.spec().name, lock.fence()));
  for (;;) {
    const LeaseNews news = lock.keep();
    if (!news.failing.empty()) {
      report_verbose(fmt::format("lock '{}': {}; looking for the new master", lock.spec().name, news.failing));
    }
    if (!news.lost.empty()) {
      report(fmt::format("lock '{}' lost: {}", lock.spec().name, news.lost));
      return {true, 0};
    }
    int timeout = -1;
    if (news.next) {
      timeout = static_cast<int>(std::clamp<long long>(
          std::chrono::ceil<std::chrono::milliseconds>(*news.next - Clock::now()).count(), 0, 1 << 30));
    }
    pollfd fds[3] = {{signal_fd(), POLLIN, 0}, {lock.lease_fd(), POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}};
    if (::poll(fds, 3, timeout) < 0 && errno != EINTR) {
      throw Error(ErrorKind::internal, "poll failed");
    }
    if (const int signal = take_signal(); is_relayed(signal)) {
      return {false, signal};
    }
    if (fds[2].revents != 0 && !stdin_open()) {
      return {false, 0};
    }
  }
}

} // namespace statesync::tools
