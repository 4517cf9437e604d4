// Runs a piece of work while holding a lock, and hands the work the lock's
// fencing token: a number that grows with every acquisition, so that a
// store the work writes to can refuse a writer whose lease has run out
// (one with a smaller token than it has already seen).
//
//   run_under_lock NAME
//
// Waits up to 30 s for the lock. The lease lasts 10 s; the session renews
// it from a thread of its own while the work runs, and releases the lock
// when the work is done (or the lease expires on its own if this program
// dies).

#include <statesync/statesync.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: run_under_lock NAME\n";
    return 64;
  }
  try {
    auto session = statesync::LockSession::start({.link = {statesync::endpoint_from_environment(), "run_under_lock"},
                                                  .lock = {.name = argv[1], .ttl = 10s},
                                                  .wait = 30s});
    if (!session) {
      std::cerr << "run_under_lock: lock '" << argv[1] << "' is busy\n";
      return 1;
    }
    for (int step = 1; step <= 3; ++step) {
      if (session->lost()) { // another holder may run now: stop
        std::cerr << "run_under_lock: lock lost: " << session->lost_why() << '\n';
        return statesync::exit_status_for(statesync::ErrorKind::lock_lost);
      }
      std::cout << "step " << step << " under fencing token " << session->fence() << '\n';
    }
    return 0; // the session releases the lock
  } catch (const statesync::Error& error) {
    std::cerr << "run_under_lock: " << error.what() << '\n';
    return statesync::exit_status_for(error.kind());
  }
}
