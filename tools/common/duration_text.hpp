#pragma once
// Durations as operators write them in a crontab: "90", "90s", "500ms",
// "15m", "1.5h", "1d" (a bare number is seconds).

#include <CLI/CLI.hpp>

#include <chrono>
#include <optional>
#include <string_view>

namespace statesync::tools {

// nullopt: not a duration (an unknown unit, a negative or non-finite
// number, trailing text).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// Checks an option's value with parse_duration(); a duration of 0 is
// refused unless `zero_allowed`.
CLI::Validator duration_text(bool zero_allowed);

} // namespace statesync::tools
