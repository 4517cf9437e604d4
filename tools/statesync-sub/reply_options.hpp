#pragma once
// statesync-sub --reply: answer the requests of statesync-pub --request
// with the --exec command's output. The options, and their checks.

#include <CLI/CLI.hpp>

#include <optional>

namespace statesync::tools {

struct SubOptions;

struct ReplyArgs {
  bool enabled = false;
  std::optional<double> timeout; // --reply-timeout SECONDS
  int parallel = 1;              // --reply-parallel N
};

void add_reply_options(CLI::App& app, ReplyArgs& args);

// Throws Error(usage) for options that do not go with --reply, or need it.
void check_reply_options(const SubOptions& options);

} // namespace statesync::tools
