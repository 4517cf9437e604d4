#include "wake_set.hpp"

#include <statesync/error.hpp>

#include <poll.h>
#include <sys/epoll.h>
#include <unistd.h>

namespace statesync::tools {

WakeSet::WakeSet(int signal_fd) : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
  if (epoll_fd_ < 0) {
    throw Error(ErrorKind::internal, "cannot create an epoll instance");
  }
  epoll_event signal_event{};
  signal_event.events = EPOLLIN;
  signal_event.data.fd = signal_fd;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, signal_fd, &signal_event);
  // No events asked: EPOLLERR and EPOLLHUP are always reported, and a
  // pipe's write end gets EPOLLERR when its reader closes. (A regular file
  // cannot be watched and is refused with EPERM: nothing to notice there.)
  epoll_event output_event{};
  output_event.data.fd = STDOUT_FILENO;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, STDOUT_FILENO, &output_event);
}

void WakeSet::add(int fd) const {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) {
    throw Error(ErrorKind::internal, "cannot watch a descriptor with epoll");
  }
}

WakeSet::~WakeSet() {
  ::close(epoll_fd_);
}

bool WakeSet::output_closed() noexcept {
  pollfd entry{STDOUT_FILENO, 0, 0};
  return ::poll(&entry, 1, 0) == 1 && (entry.revents & (POLLERR | POLLHUP)) != 0;
}

} // namespace statesync::tools
