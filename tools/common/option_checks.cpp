#include "option_checks.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace statesync::tools {
namespace {

CLI::Validator number_check(double minimum, bool inclusive, std::string expected) {
  return CLI::Validator(
      [minimum, inclusive, expected](std::string& text) -> std::string {
        double value = 0;
        if (CLI::detail::lexical_cast(text, value) && (inclusive ? value >= minimum : value > minimum)) {
          return {};
        }
        return fmt::format("must be {}, not '{}'", expected, text);
      },
      "");
}

} // namespace

CLI::Validator positive(const char* what) {
  return number_check(0, false, std::string("a positive ") + what);
}

CLI::Validator not_negative(const char* what) {
  return number_check(0, true, std::string("a ") + what + ", 0 or more");
}

CLI::Validator whole_number_in(long long low, long long high) {
  return CLI::Validator(
      [low, high](std::string& text) -> std::string {
        long long value = 0;
        if (CLI::detail::lexical_cast(text, value) && value >= low && value <= high) {
          return {};
        }
        return fmt::format("must be a whole number from {} to {}, not '{}'", low, high, text);
      },
      "");
}

CLI::Validator one_of(std::vector<std::string> choices) {
  return CLI::Validator(
      [choices](std::string& text) -> std::string {
        if (std::find(choices.begin(), choices.end(), text) != choices.end()) {
          return {};
        }
        std::string expected;
        for (std::size_t i = 0; i < choices.size(); ++i) {
          expected += (i == 0 ? "" : i + 1 == choices.size() ? " or " : ", ") + choices[i];
        }
        return fmt::format("must be {}, not '{}'", expected, text);
      },
      "");
}

} // namespace statesync::tools
