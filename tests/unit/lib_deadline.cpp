// Waiting on a descriptor by a deadline: only a readable wake descriptor
// (or a signal) interrupts; a wait that nothing interrupts ends by its
// deadline, never before it and never reported as an interruption.

#include "util/deadline.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <poll.h>
#include <unistd.h>

using namespace statesync;
using namespace statesync::detail;
using namespace std::chrono_literals;

namespace {

struct Pipe {
  int ends[2] = {-1, -1};
  Pipe() { REQUIRE(::pipe(ends) == 0); }
  ~Pipe() {
    ::close(ends[0]);
    ::close(ends[1]);
  }
  void put() const { REQUIRE(::write(ends[1], "x", 1) == 1); }
};

} // namespace

TEST_CASE("a wait nothing interrupts times out at its deadline, not before") {
  const Pipe quiet;
  // Deadlines at every fraction of a millisecond, where rounding to poll's
  // milliseconds could end a poll early.
  for (int i = 0; i < 200; ++i) {
    const auto deadline = Clock::now() + std::chrono::microseconds(50 * (i % 20));
    CHECK(wait_fd(quiet.ends[0], POLLIN, deadline, -1) == Readiness::timed_out);
    CHECK(Clock::now() >= deadline);
    const auto paused = Clock::now() + std::chrono::microseconds(70 * (i % 15));
    CHECK(wait_fd(-1, 0, paused, quiet.ends[0]) == Readiness::timed_out);
    CHECK(Clock::now() >= paused);
  }
}

TEST_CASE("a deadline already past is a timeout, a ready descriptor is ready") {
  const Pipe pipe;
  CHECK(wait_fd(pipe.ends[0], POLLIN, Clock::now() - 1s) == Readiness::timed_out);
  pipe.put();
  CHECK(wait_fd(pipe.ends[0], POLLIN, Clock::now() + 10s) == Readiness::ready);
  CHECK(wait_fd(pipe.ends[0], POLLIN, std::nullopt) == Readiness::ready);
}

TEST_CASE("a readable wake descriptor interrupts") {
  const Pipe quiet;
  const Pipe wake;
  wake.put();
  CHECK(wait_fd(quiet.ends[0], POLLIN, Clock::now() + 10s, wake.ends[0]) == Readiness::interrupted);
  CHECK(wait_fd(-1, 0, std::nullopt, wake.ends[0]) == Readiness::interrupted);
}
