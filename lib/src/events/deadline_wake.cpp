#include "events/deadline_wake.hpp"

#include <statesync/error.hpp>

#include <algorithm>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace statesync::detail {
namespace {

void watch_readable(int epoll_fd, int fd) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw Error(ErrorKind::internal, "cannot watch a descriptor with epoll");
  }
}

} // namespace

DeadlineWake::DeadlineWake(int wake_fd, std::optional<Clock::time_point> deadline) : wake_fd_(wake_fd) {
  if (!deadline) {
    return;
  }
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  // steady_clock is CLOCK_MONOTONIC: its time since the epoch is the
  // timer's absolute expiry.
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (epoll_fd_ < 0 || timer_fd_ < 0) {
    release();
    throw Error(ErrorKind::internal, "cannot create a timer to end a reconnection at a deadline");
  }
  const auto since_epoch = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline->time_since_epoch());
  itimerspec expiry{};
  // A deadline already passed (or at 0) fires at once: 1 ns, as 0 disarms.
  const long long ns = std::max<long long>(since_epoch.count(), 1);
  expiry.it_value.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
  expiry.it_value.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  try {
    if (::timerfd_settime(timer_fd_, TFD_TIMER_ABSTIME, &expiry, nullptr) != 0) {
      throw Error(ErrorKind::internal, "cannot set a timer to end a reconnection at a deadline");
    }
    watch_readable(epoll_fd_, timer_fd_);
    if (wake_fd_ >= 0) {
      watch_readable(epoll_fd_, wake_fd_);
    }
  } catch (...) {
    release();
    throw;
  }
}

DeadlineWake::~DeadlineWake() {
  release();
}

void DeadlineWake::release() noexcept {
  for (int* fd : {&timer_fd_, &epoll_fd_}) {
    if (*fd >= 0) {
      ::close(*fd);
      *fd = -1;
    }
  }
}

} // namespace statesync::detail
