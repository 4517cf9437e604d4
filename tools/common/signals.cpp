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
int pipe_ends[2] = {-1, -1};

extern "C" void record_signal(int signal) {
  const int saved_errno = errno;
  last_signal = signal;
  pending_signal = signal;
  const char byte = 1;
  [[maybe_unused]] const auto written = ::write(pipe_ends[1], &byte, 1);
  errno = saved_errno;
}

} // namespace

void catch_signals(std::initializer_list<int> signals) {
  if (pipe_ends[0] < 0 && ::pipe2(pipe_ends, O_NONBLOCK | O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, "cannot create the signal pipe");
  }
  struct sigaction action {};
  action.sa_handler = record_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  for (const int signal : signals) {
    ::sigaction(signal, &action, nullptr);
  }
}

int take_signal() noexcept {
  char drain[64];
  while (::read(pipe_ends[0], drain, sizeof drain) > 0) {
  }
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
