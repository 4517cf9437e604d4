#include "progress.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <unistd.h>

namespace statesync::tools {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto redraw_every = std::chrono::milliseconds(250);
// Reading the clock for every acknowledgement would cost more than the
// rest of the work for small messages.
constexpr unsigned calls_per_clock_read = 1024;

} // namespace

Progress::Progress(bool wanted)
    : enabled_(wanted && ::isatty(STDERR_FILENO) == 1), start_(Clock::now()), last_draw_(start_) {}

void Progress::update(std::uint64_t published, bool check_clock) {
  if (!enabled_ || (++calls_ % calls_per_clock_read != 0 && !check_clock)) {
    return;
  }
  if (Clock::now() - last_draw_ >= redraw_every) {
    draw(published);
  }
}

void Progress::finish(std::uint64_t published) {
  if (!enabled_) {
    return;
  }
  draw(published);
  std::fputs("\n", stderr);
  std::fflush(stderr);
}

void Progress::draw(std::uint64_t published) {
  last_draw_ = Clock::now();
  const double seconds = std::chrono::duration<double>(last_draw_ - start_).count();
  const double rate = seconds > 0 ? static_cast<double>(published) / seconds : 0.0;
  // \r and erase-to-end-of-line: the count is redrawn in place.
  fmt::print(stderr, "\rstatesync-pub: {} messages published, {:.0f}/s\x1b[K", published, rate);
  std::fflush(stderr);
}

} // namespace statesync::tools
