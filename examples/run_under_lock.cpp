// Runs a piece of work while holding a lock, and hands the work the lock's
// fencing token: a number that grows with every acquisition, so that a
// store the work writes to can refuse a writer whose lease has run out
// (one with a smaller token than it has already seen).
//
//   run_under_lock NAME
//
// Waits up to 30 s for the lock. The lease lasts 10 s and is renewed while
// the work runs; the lock is released when the work is done, or expires
// on its own if this program dies.

#include <statesync/statesync.hpp>

#include <chrono>
#include <iostream>

using namespace std::chrono_literals;

namespace {

// The work: here, three steps, renewing the lease between them. Work that
// takes longer than a third of the TTL renews at least that often.
void work(statesync::Lock& lock) {
  for (int step = 1; step <= 3; ++step) {
    std::cout << "step " << step << " under fencing token " << lock.fence() << '\n';
    if (!lock.renew()) {
      throw statesync::Error(statesync::ErrorKind::lock_lost, "the lock was lost: stopping the work");
    }
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: run_under_lock NAME\n";
    return 64;
  }
  try {
    statesync::Link link(statesync::endpoint_from_environment(), "run_under_lock");
    statesync::Lock lock(link, {.name = argv[1], .ttl = 10s});
    if (lock.acquire(statesync::Clock::now() + 30s) != statesync::AcquireResult::acquired) {
      std::cerr << "run_under_lock: lock '" << argv[1] << "' is busy\n";
      return 1;
    }
    const statesync::LockGuard release(lock); // releases on every way out
    work(lock);
    return 0;
  } catch (const statesync::Error& error) {
    std::cerr << "run_under_lock: " << error.what() << '\n';
    return statesync::exit_status_for(error.kind());
  }
}
