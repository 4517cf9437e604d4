#include "group_guard.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

// In the guard after fork: only async-signal-safe calls.
[[noreturn]] void guard(int pipe, pid_t group) {
  // Holds no descriptor of ours (a socket, the terminal, an output pipe
  // someone reads to its end), and no signal sent to our group ends it.
  ::close_range(0, static_cast<unsigned>(pipe) - 1, 0);
  ::close_range(static_cast<unsigned>(pipe) + 1, ~0U, 0);
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP && signal != SIGCHLD) {
      ::signal(signal, SIG_IGN);
    }
  }
  char goodbye = 0;
  ssize_t n;
  do {
    n = ::read(pipe, &goodbye, 1);
  } while (n < 0 && errno == EINTR);
  if (n == 0) {
    ::kill(-group, SIGKILL);
  }
  ::_exit(0);
}

} // namespace

GroupGuard::GroupGuard(pid_t group) {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    throw Error(ErrorKind::internal, std::string("cannot start the process group's guard: ") + std::strerror(error));
  }
  if (pid_ == 0) {
    guard(ends[0], group);
  }
  ::close(ends[0]);
  pipe_ = ends[1];
}

GroupGuard::~GroupGuard() {
  const char goodbye = 1;
  [[maybe_unused]] const auto written = ::write(pipe_, &goodbye, 1);
  ::close(pipe_);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

} // namespace statesync::tools
