#pragma once
// statesync-pub --request: ask the responders of a channel (statesync-sub
// --reply) and print their replies. The options, and their checks against
// the rest of the command line.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace statesync::tools {

struct PubOptions;

// -W when not given: how long a request waits for its replies.
inline constexpr double default_request_wait = 5.0;

struct PubRequestArgs {
  bool enabled = false;
  std::optional<double> wait;         // -W: the bound of the whole run
  std::optional<long long> replies;   // 0: all that come until -W
  std::optional<double> timeout_each; // -l, -0, -d: each request's own bound
  std::optional<std::string> format;  // -F
  bool json = false;
  bool require_all = false;
};

void add_pub_request_options(CLI::App& app, PubRequestArgs& args);

// Throws Error(usage) for options that do not go with --request, or need it.
void check_request_options(const PubOptions& options);

} // namespace statesync::tools
