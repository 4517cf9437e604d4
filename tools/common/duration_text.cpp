#include "duration_text.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

namespace statesync::tools {
namespace {

// Milliseconds per unit; "ms" before "m" and "s" so the longest suffix wins.
constexpr std::array<std::pair<std::string_view, double>, 6> units = {
    {{"ms", 1.0}, {"s", 1e3}, {"m", 60e3}, {"h", 3600e3}, {"d", 86400e3}, {"", 1e3}}};

} // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  for (const auto& [suffix, scale] : units) {
    if (!text.ends_with(suffix)) {
      continue;
    }
    const std::string_view number = text.substr(0, text.size() - suffix.size());
    double value = 0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc() || end != number.data() + number.size() || !std::isfinite(value) ||
        value < 0 || value * scale > 1e15) {
      return std::nullopt;
    }
    return std::chrono::milliseconds(std::llround(value * scale));
  }
  return std::nullopt;
}

CLI::Validator duration_text(bool zero_allowed) {
  return CLI::Validator(
      [zero_allowed](std::string& text) -> std::string {
        const auto duration = parse_duration(text);
        if (duration && (zero_allowed || duration->count() > 0)) {
          return {};
        }
        return fmt::format("must be a duration such as 90, 90s, 500ms, 15m, 1.5h or 1d{}, not '{}'",
                           zero_allowed ? "" : " (more than 0)", text);
      },
      "");
}

} // namespace statesync::tools
