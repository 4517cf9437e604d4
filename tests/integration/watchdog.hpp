#pragma once
// A bound on a call that must end by a deadline of its own, without
// asserting any timing: the call runs on a thread, and only one still
// blocked far past its deadline (ten times it, say) fails the test. The
// call is then freed through a wake fd, which the library's waits for
// events watch (a command's reply is waited for until its reply timeout),
// so that a failing test ends instead of hanging.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <unistd.h>
#include <utility>

namespace statesync::testing {

// A pipe whose read end is the library's wake fd; ring() makes it readable.
class Wake {
public:
  Wake() { REQUIRE(::pipe(fds_) == 0); }
  Wake(const Wake&) = delete;
  Wake& operator=(const Wake&) = delete;
  ~Wake() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }

  int fd() const noexcept { return fds_[0]; }
  void ring() const { REQUIRE(::write(fds_[1], "x", 1) == 1); }

private:
  int fds_[2] = {-1, -1};
};

// Runs `call` on a thread of its own: true when it ends within `limit`.
// Otherwise `wake` is rung and false returned once the call has ended; a
// call that does not end within `limit` more either (a reader spinning
// without ever waiting) aborts the test binary, rather than hang it.
template <class Call>
bool ends_within(std::chrono::milliseconds limit, const Wake& wake, Call call) {
  auto done = std::async(std::launch::async, std::move(call));
  if (done.wait_for(limit) == std::future_status::ready) {
    done.get();
    return true;
  }
  wake.ring();
  if (done.wait_for(limit) != std::future_status::ready) {
    std::fputs("a call still running after the watchdog rang its wake fd: aborting\n", stderr);
    std::abort();
  }
  done.get();
  return false;
}

} // namespace statesync::testing
