// The tools' signal flags (tools/common/signals): one per signal, so that a
// signal caught after another does not hide it (issue 22, item 8).

#include "common/signals.hpp"

#include <doctest/doctest.h>

#include <csignal>
#include <poll.h>

using namespace statesync::tools;

namespace {

bool fd_readable() {
  pollfd fd{signal_fd(), POLLIN, 0};
  return ::poll(&fd, 1, 0) == 1;
}

} // namespace

TEST_CASE("a SIGTERM followed by SIGCHLD before the loop looks is not lost") {
  catch_signals({SIGTERM, SIGCHLD, SIGUSR1});
  while (take_signal() != 0) {
  }
  std::raise(SIGTERM);
  std::raise(SIGCHLD);
  CHECK(caught_signal() == SIGCHLD);
  CHECK(take_signal() == SIGTERM);
  CHECK(fd_readable()); // SIGCHLD still waits: a poll on the fd wakes for it
  CHECK(take_signal() == SIGCHLD);
  CHECK(take_signal() == 0);
  CHECK_FALSE(fd_readable());
  std::signal(SIGTERM, SIG_DFL);
  std::signal(SIGCHLD, SIG_DFL);
  std::signal(SIGUSR1, SIG_DFL);
}

TEST_CASE("the same signal twice before it is taken is one signal") {
  catch_signals({SIGUSR1});
  std::raise(SIGUSR1);
  std::raise(SIGUSR1);
  CHECK(take_signal() == SIGUSR1);
  CHECK(take_signal() == 0);
  std::signal(SIGUSR1, SIG_DFL);
}
