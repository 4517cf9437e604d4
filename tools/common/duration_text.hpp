#pragma once
// Durations in systemd's spelling, for every duration option of the three
// tools: "90" (a bare number is seconds), "90s", "500ms", "1h30m",
// "2h 15min", "1.5h", "1d", "1w". The one parser, documented once in
// CONTRIBUTING.md ("Durations"), which the man pages point to.

#include <CLI/CLI.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace statesync::tools {

// The longest duration an option takes: a year. Far beyond any lease,
// wait or window, and far from where a deadline on the clock overflows.
inline constexpr std::chrono::milliseconds longest_duration = std::chrono::hours(24 * 365);

// nullopt: not a duration (an unknown unit, a sign, an exponent, inf or
// nan, trailing text) or longer than longest_duration. Milliseconds,
// rounded to the nearest.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

// What a duration option's value must be, in words, for `least` (0: any,
// 1ms: more than 0).
std::string duration_expected(std::chrono::milliseconds least);

// Checks a duration option (at least `least`, at most longest_duration)
// and hands its value on as a plain number of seconds, the form the
// option's number holds: use it with ->transform().
CLI::Validator duration_option(std::chrono::milliseconds least);

// The same check, the text left as given: for an option whose spelling is
// echoed back (parse it later with parse_duration).
CLI::Validator duration_as_given(std::chrono::milliseconds least);

} // namespace statesync::tools
