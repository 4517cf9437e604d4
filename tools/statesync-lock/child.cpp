#include "child.hpp"

#include "shared_memory_process.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
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

// What the command's process needs until it execs. It shares our memory
// while we wait (vfork's semantics), so it reports a failed exec here.
struct Spawn {
  char* const* argv;
  pid_t parent;
  bool foreground;
  int guard_fd; // where the new group's id goes (GroupGuard::group_fd)
  int exec_error;
};

// In the child before exec, sharing our memory: only async-signal-safe
// calls, and every signal blocked until the dispositions are the
// command's. It ends by returning its exit status (clone then exits with
// it), not by _exit: a noreturn call on this stack makes AddressSanitizer
// warn about a stack switch on standard error.
int exec_child(void* argument) {
  auto& spawn = *static_cast<Spawn*>(argument);
  ::setpgid(0, 0);
  // Before anything of the command's can run: the guard knows the group.
  const pid_t group = ::getpid();
  [[maybe_unused]] const auto announced = ::write(spawn.guard_fd, &group, sizeof group);
  if (spawn.foreground) {
    give_terminal(::getpid());
  }
  // Killed with us; the check closes the race of a parent that died
  // before the prctl.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != spawn.parent) {
    return 127;
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
  ::execvp(spawn.argv[0], spawn.argv);
  spawn.exec_error = errno;
  return spawn.exec_error == ENOENT ? 127 : 126;
}

// execvp's own needs: a copy of a PATH entry and the name (at most
// PATH_MAX + NAME_MAX), and argv again for a script without #!; glibc's
// posix_spawn gives the same 64 KiB besides argv.
std::size_t exec_stack_size(std::size_t argc) {
  return 64 * 1024 + (argc + 2) * sizeof(char*);
}

} // namespace

Child::Child(const std::vector<std::string>& argv) {
  std::vector<char*> args;
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  // Only from the foreground of a terminal do we have a foreground to give.
  foreground_ = ::isatty(STDIN_FILENO) == 1 && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  guard_.emplace();
  Spawn spawn{args.data(), ::getpid(), foreground_, guard_->group_fd(), 0};
  {
    const SharedMemoryProcess process(exec_child, &spawn, exec_stack_size(argv.size()), true, "the command");
    pid_ = process.pid();
  }
  // Its own group is made: we resume only once it has exec'd or ended.
  exec_error_ = spawn.exec_error;
}

Child::~Child() {
  take_terminal_back();
}

std::optional<int> Child::exec_error() const {
  if (exec_error_ != 0) {
    return exec_error_;
  }
  return std::nullopt;
}

std::optional<int> Child::reap() {
  int status = 0;
  const pid_t done = ::waitpid(pid_, &status, WNOHANG);
  if (done == pid_) {
    ended();
    return status;
  }
  return std::nullopt;
}

int Child::wait() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  ended();
  return status;
}

void Child::signal_group(int signal) const {
  ::kill(-pid_, signal);
}

bool Child::group_alive() const {
  return ::kill(-pid_, 0) == 0;
}

void Child::ended() {
  take_terminal_back();
  if (guard_ && !group_alive()) {
    guard_->dismiss();
  }
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
