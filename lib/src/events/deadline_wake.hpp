#pragma once
// A wake fd that also becomes readable at a deadline: the link's waits
// while reconnecting (its backoff, connecting, asking the Sentinels) end
// at the caller's wake fd only, and a watcher whose server is gone must
// still give its caller back control when the caller's time is up (-w,
// --idle).

#include <statesync/connection.hpp>

#include <optional>

namespace statesync::detail {

class DeadlineWake {
public:
  // Readable when `wake_fd` is (-1: none) or once `deadline` has come
  // (nullopt: never; then fd() is `wake_fd` itself). Throws
  // Error(internal) when the kernel refuses the descriptors.
  DeadlineWake(int wake_fd, std::optional<Clock::time_point> deadline);
  DeadlineWake(const DeadlineWake&) = delete;
  DeadlineWake& operator=(const DeadlineWake&) = delete;
  ~DeadlineWake();

  int fd() const noexcept { return epoll_fd_ >= 0 ? epoll_fd_ : wake_fd_; }

private:
  void release() noexcept;

  int wake_fd_;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
};

} // namespace statesync::detail
