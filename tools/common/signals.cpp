#include "signals.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

volatile std::sig_atomic_t last_signal = 0;
// One flag per signal: a SIGTERM and then a SIGCHLD before the tool looks
// are two signals to act on, not one (a single slot kept only the last).
volatile std::sig_atomic_t pending[NSIG] = {};
volatile std::sig_atomic_t resized = 0;
int pipe_ends[2] = {-1, -1};

void wake() noexcept {
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(pipe_ends[1], &byte, 1);
}

extern "C" void record_signal(int signal) {
  const int saved_errno = errno;
  last_signal = signal;
  pending[signal] = 1;
  wake();
  errno = saved_errno;
}

extern "C" void record_resize(int) {
  const int saved_errno = errno;
  resized = 1;
  wake();
  errno = saved_errno;
}

void install(int signal, void (*handler)(int)) {
  if (pipe_ends[0] < 0 && ::pipe2(pipe_ends, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, "cannot create the signal pipe");
  }
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  ::sigaction(signal, &action, nullptr);
}

void drain() noexcept {
  char bytes[64];
  while (::read(pipe_ends[0], bytes, sizeof bytes) > 0) {
  }
}

} // namespace

void catch_signals(std::initializer_list<int> signals) {
  for (const int signal : signals) {
    install(signal, record_signal);
  }
}

void catch_resize() {
  install(SIGWINCH, record_resize);
}

bool take_resize() noexcept {
  if (resized == 0) {
    return false;
  }
  resized = 0;
  drain();
  return true;
}

int take_signal() noexcept {
  drain();
  int taken = 0;
  for (int signal = 1; signal < NSIG; ++signal) {
    if (pending[signal] == 0) {
      continue;
    }
    if (taken != 0) {
      wake(); // another waits: the signal fd stays readable for it
      break;
    }
    pending[signal] = 0;
    taken = signal;
  }
  return taken;
}

int caught_signal() noexcept {
  return last_signal;
}

int signal_fd() noexcept {
  return pipe_ends[0];
}

} // namespace statesync::tools
