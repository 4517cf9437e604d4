#include "duration_text.hpp"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>

namespace statesync::tools {
namespace {

// systemd's unit names (systemd.time(7)), in milliseconds.
constexpr std::array<std::pair<std::string_view, double>, 20> units = {{
    {"ms", 1.0},      {"msec", 1.0},     {"s", 1e3},       {"sec", 1e3},       {"second", 1e3},
    {"seconds", 1e3}, {"m", 60e3},       {"min", 60e3},    {"minute", 60e3},   {"minutes", 60e3},
    {"h", 3600e3},    {"hr", 3600e3},    {"hour", 3600e3}, {"hours", 3600e3},  {"d", 86400e3},
    {"day", 86400e3}, {"days", 86400e3}, {"w", 604800e3},  {"week", 604800e3}, {"weeks", 604800e3},
}};

std::optional<double> unit_scale(std::string_view name) {
  for (const auto& [unit, scale] : units) {
    if (unit == name) {
      return scale;
    }
  }
  return std::nullopt;
}

bool is_digit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

bool is_letter(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}

// Digits with an optional fraction, and nothing else: no sign, no
// exponent, no inf or nan, so every value is finite by construction.
std::optional<double> take_number(std::string_view& text) {
  std::size_t end = 0;
  while (end < text.size() && is_digit(text[end])) {
    ++end;
  }
  const std::size_t whole = end;
  if (end < text.size() && text[end] == '.') {
    ++end;
    while (end < text.size() && is_digit(text[end])) {
      ++end;
    }
  }
  if (whole == 0 && end <= 1) {
    return std::nullopt; // "" or "."
  }
  double value = 0;
  if (std::from_chars(text.data(), text.data() + end, value).ec != std::errc()) {
    return std::nullopt; // too many digits for a double
  }
  text.remove_prefix(end);
  return value;
}

std::string_view take_while(std::string_view& text, bool (*accept)(char)) {
  std::size_t end = 0;
  while (end < text.size() && accept(text[end])) {
    ++end;
  }
  const std::string_view taken = text.substr(0, end);
  text.remove_prefix(end);
  return taken;
}

bool is_space(char c) {
  return c == ' ';
}

} // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double total = 0;
  bool bare = false;
  int parts = 0;
  while (true) {
    take_while(text, is_space);
    if (text.empty()) {
      break;
    }
    const auto number = take_number(text);
    if (!number) {
      return std::nullopt;
    }
    take_while(text, is_space);
    const std::string_view unit = take_while(text, is_letter);
    const auto scale = unit.empty() ? std::optional(1e3) : unit_scale(unit);
    if (!scale) {
      return std::nullopt;
    }
    bare = bare || unit.empty();
    total += *number * *scale;
    ++parts;
    if (total > static_cast<double>(longest_duration.count())) {
      return std::nullopt;
    }
  }
  // A bare number is seconds only alone: "1h 30" is a mistake, not 1h30s.
  if (parts == 0 || (bare && parts > 1)) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(std::llround(total));
}

std::string duration_expected(std::chrono::milliseconds least) {
  const char* examples = "such as 90, 90s, 500ms, 1h30m or 1w";
  const auto most = std::chrono::duration_cast<std::chrono::days>(longest_duration).count();
  if (least.count() == 0) {
    return fmt::format("a duration {}, at most {}d", examples, most);
  }
  if (least.count() == 1) {
    return fmt::format("a positive duration {}, at most {}d", examples, most);
  }
  return fmt::format("a duration {}, from {}ms to {}d", examples, least.count(), most);
}

namespace {

// Why `text` is no duration of at least `least` ("" when it is one).
std::string duration_refusal(const std::string& text, std::chrono::milliseconds least) {
  const auto duration = parse_duration(text);
  if (!duration || *duration < least) {
    return fmt::format("must be {}, not '{}'", duration_expected(least), text);
  }
  return {};
}

} // namespace

CLI::Validator duration_option(std::chrono::milliseconds least) {
  return CLI::Validator(
      [least](std::string& text) -> std::string {
        if (auto refusal = duration_refusal(text, least); !refusal.empty()) {
          return refusal;
        }
        text = fmt::format("{}", static_cast<double>(parse_duration(text)->count()) / 1000.0);
        return {};
      },
      "");
}

CLI::Validator duration_as_given(std::chrono::milliseconds least) {
  return CLI::Validator([least](std::string& text) { return duration_refusal(text, least); }, "");
}

} // namespace statesync::tools
