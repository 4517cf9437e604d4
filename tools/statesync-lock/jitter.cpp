#include "jitter.hpp"

#include "common/exit_status.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"
#include "relayed_signals.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <random>

namespace statesync::tools {

std::optional<int> wait_jitter(std::string_view name, std::chrono::milliseconds most) {
  std::random_device source;
  std::uniform_int_distribution<long long> pick(0, most.count());
  const std::chrono::milliseconds delay(pick(source));
  report_verbose(fmt::format("waiting {:.3f}s (--jitter {:.3f}s) before trying '{}'",
                             static_cast<double>(delay.count()) / 1000.0, static_cast<double>(most.count()) / 1000.0,
                             name));
  const auto until = Clock::now() + delay;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now());
    if (left.count() <= 0) {
      return std::nullopt;
    }
    pollfd fd{signal_fd(), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(std::min<long long>(left.count(), 1 << 30))) < 0 && errno != EINTR) {
      throw Error(ErrorKind::internal, fmt::format("poll failed: {}", std::strerror(errno)));
    }
    if (const int signal = take_signal(); is_relayed(signal)) {
      report_verbose(fmt::format("stopped before trying '{}': {}", name, ::strsignal(signal)));
      return exit_signal_base + signal;
    }
  }
}

} // namespace statesync::tools
