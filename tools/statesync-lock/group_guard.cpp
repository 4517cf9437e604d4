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

// In the guard, which shares our memory: only async-signal-safe calls. It
// keeps every signal blocked (as it started), so that no signal sent to
// our group ends it and no handler of ours runs in it; SIGKILL still does.
// So its read is never interrupted, and it never looks at errno (which is
// ours too).
int guard(void* argument) {
  const GroupWatch watch = *static_cast<const GroupWatch*>(argument);
  // Holds no descriptor of ours (a socket, the terminal, an output pipe
  // someone reads to its end).
  ::close_range(0, static_cast<unsigned>(watch.pipe) - 1, 0);
  ::close_range(static_cast<unsigned>(watch.pipe) + 1, ~0U, 0);
  // The group first; end of file instead: no command was started.
  pid_t group = 0;
  if (::read(watch.pipe, &group, sizeof group) != sizeof group || group <= 0) {
    return 0;
  }
  char goodbye = 0;
  if (::read(watch.pipe, &goodbye, 1) == 0) {
    ::kill(-group, SIGKILL);
  }
  return 0; // clone exits with it (see exec_child on why not _exit)
}

// Enough for the few calls above.
constexpr std::size_t guard_stack_size = 16 * 1024;

} // namespace

GroupGuard::GroupGuard() {
  int ends[2];
  if (::pipe2(ends, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  watch_ = {ends[0]};
  try {
    process_.emplace(guard, &watch_, guard_stack_size, false, "the process group's guard");
  } catch (const Error&) {
    ::close(ends[0]);
    ::close(ends[1]);
    throw;
  }
  ::close(ends[0]);
  pipe_ = ends[1];
}

void GroupGuard::dismiss() {
  if (pipe_ < 0) {
    return;
  }
  const char goodbye = 1;
  [[maybe_unused]] const auto written = ::write(pipe_, &goodbye, 1);
  ::close(pipe_);
  pipe_ = -1;
}

GroupGuard::~GroupGuard() {
  dismiss();
  while (::waitpid(process_->pid(), nullptr, 0) < 0 && errno == EINTR) {
  }
}

} // namespace statesync::tools
