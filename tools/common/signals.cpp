#include "signals.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

volatile std::sig_atomic_t last_signal = 0;
volatile std::sig_atomic_t pending_signal = 0;
volatile std::sig_atomic_t resized = 0;
int pipe_ends[2] = {-1, -1};

void wake() noexcept {
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(pipe_ends[1], &byte, 1);
}

extern "C" void record_signal(int signal) {
  const int saved_errno = errno;
  last_signal = signal;
  pending_signal = signal;
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
  const int signal = pending_signal;
  pending_signal = 0;
  return signal;
}

int caught_signal() noexcept {
  return last_signal;
}

int signal_fd() noexcept {
  return pipe_ends[0];
}

} // namespace statesync::tools
