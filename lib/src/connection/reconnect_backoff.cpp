#include "connection/reconnect_backoff.hpp"

#include <algorithm>

namespace statesync::detail {

Backoff::Backoff(std::chrono::milliseconds first, std::chrono::milliseconds ceiling, unsigned seed)
    : first_(std::max(first, std::chrono::milliseconds(1))), ceiling_(std::max(ceiling, first_)), current_(first_),
      random_(seed) {}

void Backoff::reset() noexcept {
  current_ = first_;
}

std::chrono::milliseconds Backoff::next() {
  const auto delay = current_;
  current_ = std::min(current_ * 2, ceiling_);
  std::uniform_int_distribution<long long> jitter(0, delay.count() / 2);
  return delay - std::chrono::milliseconds(jitter(random_));
}

} // namespace statesync::detail
