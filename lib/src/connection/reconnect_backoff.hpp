#pragma once
// The waits between reconnect attempts: exponential, capped, jittered.

#include <chrono>
#include <random>

namespace statesync::detail {

class Backoff {
public:
  Backoff(std::chrono::milliseconds first, std::chrono::milliseconds ceiling, unsigned seed);

  // Back to the first delay (after a successful connection).
  void reset() noexcept;
  // The wait before the next attempt: the current delay, shortened by a
  // random amount of up to half; the delay then doubles up to the ceiling.
  std::chrono::milliseconds next();

private:
  std::chrono::milliseconds first_;
  std::chrono::milliseconds ceiling_;
  std::chrono::milliseconds current_;
  std::minstd_rand random_;
};

} // namespace statesync::detail
