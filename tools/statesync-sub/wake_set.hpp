#pragma once
// What ends statesync-sub's waits early: a caught signal, or the reader of
// standard output going away (`statesync-sub ch | head -1` must end when
// head does, not at the next message). One epoll fd watches both, so the
// subscriber can wait on the socket and this one fd.

namespace statesync::tools {

class WakeSet {
public:
  explicit WakeSet(int signal_fd);
  WakeSet(const WakeSet&) = delete;
  WakeSet& operator=(const WakeSet&) = delete;
  ~WakeSet();

  // `fd` becoming readable ends the waits too (a worker's "done").
  void add(int fd) const;

  // Readable when something happened.
  int fd() const noexcept { return epoll_fd_; }

  // Whether standard output is a pipe or socket whose reader has gone.
  static bool output_closed() noexcept;

private:
  int epoll_fd_;
};

} // namespace statesync::tools
