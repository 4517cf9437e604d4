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
enum class LockMode { run, status, list, release, history, check, fence_check };

struct LockOptions {
  ConnectionArgs connection;
  bool nonblock = false;
  bool shared = false;    // -s: held with other shared holders (flock -s)
  bool exclusive = false; // -x: the default, said explicitly (flock -x)
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
  bool check = false;
  bool fence_check = false;  // --fence-check NAME TOKEN
  std::string max_age_text;  // --check --max-age, as given
  std::string warn_age_text; // --check --warn-age, as given
  std::size_t count = 0;     // --history -C: at most this many records (0: all)
  bool all = false;          // --history: the refusals and skips too
  std::string run_host;      // --history --on-host: one host's records
  std::string outcome_text;
  bool timeline = false;  // --history --timeline
  std::string since_text; // --timeline --since, as given
  int history_len = default_history_len;
  std::optional<std::string> metrics_file;
  std::string jitter_text;   // --jitter, in seconds (duration_option)
  std::string once_per_text; // --once-per, as given (echoed in the refusal)
  bool once_per_any_outcome = false;
  std::string name; // NAME; --list's PATTERN

  // Filled by finish_lock_options():
  LockMode mode = LockMode::run;
  std::vector<std::string> command; // argv to execvp, or sh -c STRING
  std::chrono::milliseconds jitter{0};
  std::chrono::milliseconds once_per{0};
  std::optional<RunOutcome> outcome; // --history --outcome
  long long fence_token = 0;         // --fence-check's TOKEN
  std::chrono::milliseconds since{0};
  std::chrono::milliseconds max_age{0};
  std::optional<std::chrono::milliseconds> warn_age;
  std::string host; // STATESYNC_HOSTNAME (tests, containers), else the library's gethostname()
};

std::unique_ptr<CLI::App> make_lock_app(LockOptions& options);

// After parsing: takes the command from what follows NAME (after an
// optional "--"), picks the mode and checks that the options fit together.
// Throws Error(usage).
void finish_lock_options(const CLI::App& app, LockOptions& options);

} // namespace statesync::tools
