#pragma once
// statesync-sub --watch: the options that only watching keys has. The
// keys are the positional arguments (patterns with -P).

#include <CLI/CLI.hpp>

#include <optional>

namespace statesync::tools {

struct SubOptions;

struct WatchArgs {
  bool enabled = false;
  std::optional<double> debounce;
};

void add_watch_options(CLI::App& app, WatchArgs& args);

// What --watch does not combine with, and what it needs. Throws
// Error(usage).
void check_watch_options(const SubOptions& options);

} // namespace statesync::tools
