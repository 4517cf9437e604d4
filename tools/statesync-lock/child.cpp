#include "child.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

// Gives the terminal's foreground to `group`. A process not in the
// foreground that does this gets SIGTTOU unless it ignores it.
void give_terminal(pid_t group) {
  struct sigaction ignore {};
  struct sigaction saved {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  ::sigaction(SIGTTOU, &ignore, &saved);
  ::tcsetpgrp(STDIN_FILENO, group);
  ::sigaction(SIGTTOU, &saved, nullptr);
}

// In the child between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const std::vector<char*>& argv, int error_pipe, pid_t parent, bool foreground) {
  ::setpgid(0, 0);
  if (foreground) {
    give_terminal(::getpid());
  }
  // Killed with us; the check closes the race of a parent that died
  // before the prctl.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) {
    ::_exit(127);
  }
  // The command starts as from a shell: default dispositions (we ignore
  // SIGPIPE, and ignored signals survive exec), nothing blocked.
  for (int signal = 1; signal < NSIG; ++signal) {
    if (signal != SIGKILL && signal != SIGSTOP) {
      ::signal(signal, SIG_DFL);
    }
  }
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execvp(argv[0], argv.data());
  const int error = errno;
  [[maybe_unused]] const auto written = ::write(error_pipe, &error, sizeof error);
  ::_exit(error == ENOENT ? 127 : 126);
}

} // namespace

Child::Child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  // Only from the foreground of a terminal do we have a foreground to give.
  foreground_ = ::isatty(STDIN_FILENO) == 1 && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    ::close(ends[0]);
    ::close(ends[1]);
    throw Error(ErrorKind::internal, std::string("cannot start the command: ") + std::strerror(error));
  }
  if (pid_ == 0) {
    ::close(ends[0]);
    exec_child(args, ends[1], parent, foreground_);
  }
  ::close(ends[1]);
  error_pipe_ = ends[0];
  // Also here, so that signalling the group works before the child has
  // run (EACCES once it has exec'd, and then it did it itself).
  ::setpgid(pid_, pid_);
  try {
    guard_.emplace(pid_);
  } catch (const Error&) {
    signal_group(SIGKILL);
    wait();
    ::close(error_pipe_);
    throw;
  }
}

Child::~Child() {
  if (error_pipe_ >= 0) {
    ::close(error_pipe_);
  }
  take_terminal_back();
}

std::optional<int> Child::exec_error() {
  int error = 0;
  ssize_t n;
  do {
    n = ::read(error_pipe_, &error, sizeof error);
  } while (n < 0 && errno == EINTR);
  ::close(error_pipe_);
  error_pipe_ = -1;
  if (n == static_cast<ssize_t>(sizeof error)) {
    return error;
  }
  return std::nullopt;
}

std::optional<int> Child::reap() {
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    take_terminal_back();
    return status;
  }
  return std::nullopt;
}

int Child::wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  take_terminal_back();
  return status;
}

void Child::signal_group(int signal) const {
  ::kill(-pid_, signal);
}

bool Child::group_alive() const {
  return ::kill(-pid_, 0) == 0;
}

void Child::take_terminal_back() {
  if (foreground_) {
    foreground_ = false;
    give_terminal(::getpgrp());
  }
}

int exit_status_of(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return WEXITSTATUS(wait_status);
}

} // namespace statesync::tools
