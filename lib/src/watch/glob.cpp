#include "watch/glob.hpp"

namespace statesync::detail {
namespace {

// Matches a [...] class at the start of `pattern` (just past the '[')
// against `c`; moves `pattern` past the closing ']' (or to the end when
// there is none, as Redis takes it).
bool class_matches(std::string_view& pattern, unsigned char c) {
  const bool negated = !pattern.empty() && pattern.front() == '^';
  if (negated) {
    pattern.remove_prefix(1);
  }
  bool matched = false;
  while (!pattern.empty() && pattern.front() != ']') {
    if (pattern.front() == '\\' && pattern.size() >= 2) {
      matched = matched || static_cast<unsigned char>(pattern[1]) == c;
      pattern.remove_prefix(2);
    } else if (pattern.size() >= 3 && pattern[1] == '-') {
      auto low = static_cast<unsigned char>(pattern[0]);
      auto high = static_cast<unsigned char>(pattern[2]);
      if (low > high) {
        std::swap(low, high);
      }
      matched = matched || (c >= low && c <= high);
      pattern.remove_prefix(3);
    } else {
      matched = matched || static_cast<unsigned char>(pattern.front()) == c;
      pattern.remove_prefix(1);
    }
  }
  if (!pattern.empty()) {
    pattern.remove_prefix(1); // the ']'
  }
  return matched != negated;
}

} // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
  while (!pattern.empty()) {
    switch (pattern.front()) {
    case '*': {
      while (!pattern.empty() && pattern.front() == '*') {
        pattern.remove_prefix(1);
      }
      if (pattern.empty()) {
        return true;
      }
      for (std::size_t skip = 0; skip <= text.size(); ++skip) {
        if (glob_match(pattern, text.substr(skip))) {
          return true;
        }
      }
      return false;
    }
    case '?':
      if (text.empty()) {
        return false;
      }
      pattern.remove_prefix(1);
      break;
    case '[':
      if (text.empty()) {
        return false;
      }
      pattern.remove_prefix(1);
      if (!class_matches(pattern, static_cast<unsigned char>(text.front()))) {
        return false;
      }
      text.remove_prefix(1);
      continue;
    case '\\':
      if (pattern.size() >= 2) {
        pattern.remove_prefix(1);
      }
      [[fallthrough]];
    default:
      if (text.empty() || text.front() != pattern.front()) {
        return false;
      }
      pattern.remove_prefix(1);
      break;
    }
    if (!text.empty()) {
      text.remove_prefix(1);
    }
  }
  return text.empty();
}

std::string glob_literal_prefix(std::string_view pattern) {
  std::string prefix;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '*' || c == '?' || c == '[') {
      break;
    }
    if (c == '\\' && i + 1 < pattern.size()) {
      ++i;
    }
    prefix += pattern[i];
  }
  return prefix;
}

} // namespace statesync::detail
