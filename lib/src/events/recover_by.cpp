#include "events/recover_by.hpp"

#include "events/deadline_wake.hpp"

namespace statesync::detail {

bool recover_by(Link& link, const Error& error, std::optional<Clock::time_point> deadline) {
  if (deadline && Clock::now() >= *deadline) {
    return false;
  }
  // For the time of this call, the link's wake fd is one that the
  // deadline makes readable too.
  const int wake_fd = link.wake_fd();
  const DeadlineWake wake(wake_fd, deadline);
  link.set_wake_fd(wake.fd());
  bool back = false;
  try {
    back = link.recover(error, deadline);
  } catch (...) {
    link.set_wake_fd(wake_fd);
    throw;
  }
  link.set_wake_fd(wake_fd);
  return back;
}

} // namespace statesync::detail
