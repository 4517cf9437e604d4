#pragma once
// Seconds as users type them (fractions allowed) to the clock's units.

#include <chrono>

namespace statesync::tools {

inline std::chrono::milliseconds to_milliseconds(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000.0 + 0.5));
}

} // namespace statesync::tools
