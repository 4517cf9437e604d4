#pragma once
// Waiting on a file descriptor with an absolute deadline.

#include <statesync/connection.hpp>

#include <optional>

namespace statesync::detail {

enum class Readiness { ready, timed_out, interrupted };

// Waits until `fd` is ready for `events` (POLLIN/POLLOUT) or the deadline
// passes (nullopt: no deadline). A signal, or `wake_fd` becoming readable,
// returns `interrupted`, so that callers can look at what their signal
// handlers recorded.
Readiness wait_fd(int fd, short events, std::optional<Clock::time_point> deadline, int wake_fd = -1);

// Waits until `until` without a file descriptor to watch: true when the
// time came, false when a signal or `wake_fd` (-1: none) ended it first.
// An early return of poll (rounding) is waited out, not reported.
bool pause_until(Clock::time_point until, int wake_fd);

// "2.0s": durations in messages.
std::string seconds_text(std::chrono::milliseconds duration);

} // namespace statesync::detail
