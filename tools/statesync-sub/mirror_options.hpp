#pragma once
// statesync-sub --to-file / --to-dir: the options of files that mirror a
// state (-R's channels or --watch's keys), their reload and validation.

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace statesync::tools {

struct SubOptions;

struct MirrorArgs {
  std::optional<std::string> to_file;
  std::optional<std::string> to_dir;
  bool keep_on_clear = false;
  std::string file_mode_text = "0644";  // --file-mode, octal
  unsigned file_mode = 0644;            // parsed by check_mirror_options
  std::optional<std::string> on_change; // a shell command
  std::optional<std::string> validate;  // a shell command
  std::optional<std::string> rollout;   // the rollout's lock name
  int rollout_parallel = 1;
  double rollout_ttl = 30;              // seconds
  std::optional<std::string> health;    // a shell command
  std::optional<double> health_timeout; // seconds

  bool enabled() const { return to_file || to_dir; }
};

void add_mirror_options(CLI::App& app, MirrorArgs& args);

// What the mirror options need (-R or --watch, one channel for --to-file)
// and exclude (the other outputs). Throws Error(usage).
void check_mirror_options(SubOptions& options);

} // namespace statesync::tools
