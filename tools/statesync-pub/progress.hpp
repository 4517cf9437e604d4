#pragma once
// --progress: a live count and rate on standard error, redrawn in place a
// few times a second, and only when standard error is a terminal (a log
// file gets nothing).

#include <chrono>
#include <cstdint>

namespace statesync::tools {

class Progress {
public:
  // `wanted`: --progress was given; it also needs a terminal on fd 2.
  explicit Progress(bool wanted);

  // Called often (every acknowledgement): redraws when it is time. The
  // clock is read every so many calls, or always with `check_clock`.
  void update(std::uint64_t published, bool check_clock = false);
  // The final count, and the end of the line.
  void finish(std::uint64_t published);

  bool enabled() const noexcept { return enabled_; }

private:
  void draw(std::uint64_t published);

  bool enabled_;
  unsigned calls_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

} // namespace statesync::tools
