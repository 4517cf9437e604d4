// A program that holds a lock through LockSession, as a library user's
// program does, for the fault matrix (tests/cli/test_fault_matrix.py): the
// faults then apply to LockSession itself, not to statesync-lock.
//
//   statesync-lock-session-driver PORT NAME TTL_MS TIMEOUT_MS
//
// Connects to 127.0.0.1:PORT with the default reconnect policy, both
// timeouts TIMEOUT_MS; acquires NAME (one attempt) with a TTL of TTL_MS;
// prints "ready FENCE" and waits for a line on standard input, looking at
// lost() between waits as a program checks it between steps. Then
// releases and exits 0. A lost lease: one line, 75, whatever the session's
// thread is waiting for (lost() keeps its own clock). Busy: 1. An error:
// one line, the status for its kind.

#include <statesync/statesync.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <poll.h>
#include <string>
#include <unistd.h>

namespace {

constexpr const char* name = "statesync-lock-session-driver";
// How often lost() is looked at while standard input is silent.
constexpr int step_ms = 20;

int lost(const statesync::LockSession& session) {
  std::cerr << name << ": lock lost: " << session.lost_why() << '\n';
  return statesync::exit_status_for(statesync::ErrorKind::lock_lost);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << name << " PORT NAME TTL_MS TIMEOUT_MS\n";
    return 64;
  }
  try {
    statesync::LockSessionOptions options;
    options.link.endpoint.host = "127.0.0.1";
    options.link.endpoint.port = std::stoi(argv[1]);
    options.link.endpoint.connect_timeout = std::chrono::milliseconds(std::stoi(argv[4]));
    options.link.endpoint.reply_timeout = options.link.endpoint.connect_timeout;
    options.link.client_name = name;
    options.lock.name = argv[2];
    options.lock.ttl = std::chrono::milliseconds(std::stoi(argv[3]));
    options.wait = std::chrono::milliseconds(0);
    auto session = statesync::LockSession::start(std::move(options));
    if (!session) {
      std::cerr << name << ": busy\n";
      return 1;
    }
    std::cout << "ready " << session->fence() << std::endl;
    for (;;) {
      if (session->lost()) {
        return lost(*session);
      }
      pollfd input{STDIN_FILENO, POLLIN, 0};
      if (::poll(&input, 1, step_ms) == 1) {
        break; // a line, or the end of input: the work is done
      }
    }
    if (session->lost() || !session->release()) {
      return lost(*session);
    }
    return 0;
  } catch (const statesync::Error& error) {
    std::cerr << name << ": " << error.what() << '\n';
    return statesync::exit_status_for(error.kind());
  }
}
