#pragma once
// statesync-lock's options, defined once for the tool and its generated docs.

#include "common/connection_options.hpp"

#include <statesync/lock_history.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

// What happens to the command when the lock is lost under it.
enum class OnLost { term, kill, ignore };

// Run a command under the lock, or one of the operators' inspections.
enum class LockMode { run, status, list, release, history };

struct LockOptions {
  ConnectionArgs connection;
  bool nonblock = false;
  std::optional<double> wait;
  int conflict_exit_code = 1;
  std::optional<std::string> command_string; // -c: run through /bin/sh
  double ttl = 30.0;
  OnLost on_lost = OnLost::term;
  int limit = 1;
  double hold = 0.0;
  std::optional<double> max_runtime;
  std::string key_prefix = "statesync:";
  int wait_replicas = 0; // LockSpec::wait_replicas; 0: from the deployment
  bool status = false;
  bool list = false;
  bool release = false;
  bool json = false;
  bool history = false;
  std::size_t count = 0; // --history -C: at most this many records (0: all)
  int history_len = default_history_len;
  std::optional<std::string> metrics_file;
  std::string jitter_text;   // --jitter, as given
  std::string once_per_text; // --once-per, as given
  bool once_per_any_outcome = false;
  std::string name; // NAME; --list's PATTERN

  // Filled by finish_lock_options():
  LockMode mode = LockMode::run;
  std::vector<std::string> command; // argv to execvp, or sh -c STRING
  std::chrono::milliseconds jitter{0};
  std::chrono::milliseconds once_per{0};
  std::string host; // STATESYNC_HOSTNAME (tests, containers), else the library's gethostname()
};

std::unique_ptr<CLI::App> make_lock_app(LockOptions& options);

// After parsing: takes the command from what follows NAME (after an
// optional "--"), picks the mode and checks that the options fit together.
// Throws Error(usage).
void finish_lock_options(const CLI::App& app, LockOptions& options);

} // namespace statesync::tools
