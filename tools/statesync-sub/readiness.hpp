#pragma once
// Telling a script that statesync-sub listens: -v says "subscribed to N
// channels", --ready-file creates a file and --ready-fd closes a file
// descriptor, once every subscription is confirmed (and, with -R, the
// states are read), so that a script publishes only then.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace statesync::tools {

struct ReadinessOptions {
  std::optional<std::string> file;
  std::optional<int> fd;
};

void add_readiness_options(CLI::App& app, ReadinessOptions& options);

// Refuses (Error(usage)) a --ready-fd that is not open, before connecting.
void check_readiness(const ReadinessOptions& options);

// Says it, once: `count` names, patterns or channels.
void signal_ready(const ReadinessOptions& options, std::size_t count, bool patterns);

} // namespace statesync::tools
