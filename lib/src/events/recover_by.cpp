#include "events/recover_by.hpp"

#include "events/deadline_wake.hpp"

namespace statesync::detail {

bool recover_by(Link& link, const Error& error, std::optional<Clock::time_point> deadline) {
  if (deadline && Clock::now() >= *deadline) {
    return false;
  }
  // For the time of this call, the link's wake fd is one that the
  // deadline makes readable too, and the waits no wake fd ends (the
  // handshake, the on_reconnect callbacks' commands) end by the deadline
  // as the link's wait limit (a failed attempt then). The readers set no
  // wait limit of their own on their links.
  const int wake_fd = link.wake_fd();
  const DeadlineWake wake(wake_fd, deadline);
  link.set_wake_fd(wake.fd());
  link.set_wait_limit(deadline);
  const auto restore = [&]() noexcept {
    link.set_wake_fd(wake_fd);
    link.set_wait_limit(std::nullopt);
  };
  bool back = false;
  try {
    back = link.recover(error, deadline);
  } catch (...) {
    restore();
    throw;
  }
  restore();
  return back;
}

} // namespace statesync::detail
