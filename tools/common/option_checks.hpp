#pragma once
// Checks for option values. CLI11's own (PositiveNumber, Range,
// CheckedTransformer ...) print bounds as 300-digit numbers or "Check bogus
// value in {...} FAILED"; these say in words what is expected:
// "--limit: must be a whole number from 1 to 1000000, not '0'".

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace statesync::tools {

// More than 0; `what` names the value ("whole number").
CLI::Validator positive(const char* what);
// 0 or more.
CLI::Validator not_negative(const char* what);
// A whole number from `low` to `high`.
CLI::Validator whole_number_in(long long low, long long high);
// One of `choices`.
CLI::Validator one_of(std::vector<std::string> choices);

} // namespace statesync::tools
