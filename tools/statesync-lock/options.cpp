#include "options.hpp"

#include "common/duration_text.hpp"
#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <map>
#include <sys/stat.h>
#include <utility>

namespace statesync::tools {

std::unique_ptr<CLI::App> make_lock_app(LockOptions& options) {
  auto app = make_app("statesync-lock",
                      "Run a command while holding a lock in Redis, so that it runs on one host at a time; or "
                      "inspect and release locks.",
                      {"[OPTIONS] NAME -- COMMAND [ARGS...]", "[OPTIONS] -c STRING NAME", "[OPTIONS] NAME",
                       "--status NAME [--json]", "--list [PATTERN] [--json]", "--release NAME [--json]",
                       "--history NAME [--all] [--outcome OUTCOME] [--on-host H]",
                       "--history NAME --timeline [--since DURATION]",
                       "--check NAME --max-age DURATION [--warn-age DURATION]", "--fence-check NAME TOKEN"});
  // The command starts at the first word after NAME that is not one of
  // our options (or after "--"); from there on nothing is parsed as ours.
  app->prefix_command();
  const char* group = "Lock";
  app->add_flag("-n,--nonblock", options.nonblock, "Fail at once (status 1, or -E's) if it is held")->group(group);
  app->add_flag("-s,--shared", options.shared,
                "Hold it shared, as flock -s: with other shared holders, never with an exclusive one")
      ->group(group);
  app->add_flag("-x,--exclusive", options.exclusive, "Hold it alone, as flock -x (the default)")->group(group);
  app->add_option("-w,--wait", options.wait, "Wait at most DURATION for the lock (0 is -n)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(0)))
      ->group(group);
  app->add_option("-E,--conflict-exit-code", options.conflict_exit_code, "Exit status when not acquired (default 1)")
      ->option_text("N")
      ->check(whole_number_in(0, 255))
      ->group(group);
  app->add_option("-c,--command", options.command_string, "Run STRING with /bin/sh -c instead of COMMAND")
      ->option_text("STRING")
      ->group(group);
  app->add_option("--ttl", options.ttl, "Lease, renewed every third of it (default 30)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(10)))
      ->group(group);
  app->add_option("--on-lost", options.on_lost, "If the lock is lost: term (default), kill, ignore")
      ->option_text("ACTION")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, OnLost>{{"term", OnLost::term}, {"kill", OnLost::kill}, {"ignore", OnLost::ignore}}))
      // Added after, so it runs first (transforms go to the front): a clear message.
      ->transform(one_of({"term", "kill", "ignore"}))
      ->group(group);
  app->add_option("--limit", options.limit, "At most N holders at once (a counting semaphore)")
      ->option_text("N")
      ->check(whole_number_in(1, 1000000))
      ->group(group);
  app->add_option("--hold", options.hold, "Keep the lock DURATION after the command ends")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(0)))
      ->group(group);
  app->add_option("--max-runtime", options.max_runtime, "Terminate the command after DURATION")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(group);
  app->add_option("--wait-replicas", options.wait_replicas,
                  "Count the lock, acquired and renewed, once N replicas have it")
      ->option_text("N")
      ->check(whole_number_in(1, 1000))
      ->group(group);
  app->add_option("--key-prefix", options.key_prefix, "Prefix of the lock's keys (default \"statesync:\")")
      ->option_text("PREFIX")
      ->group(group);
  const char* operations = "Operations";
  app->add_option("--history-len", options.history_len,
                  "Keep the last N runs of NAME in its history (default 1000; 0: none)")
      ->option_text("N")
      ->check(whole_number_in(0, 100000000))
      ->group(operations);
  app->add_option("--metrics-file", options.metrics_file,
                  "After the run, write its metrics for node_exporter's textfile collector to PATH")
      ->option_text("PATH")
      ->group(operations);
  app->add_option("--jitter", options.jitter_text, "Wait a random time up to DURATION before trying")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(0)))
      ->group(operations);
  app->add_option("--once-per", options.once_per_text,
                  "Run at most once per window of DURATION (90s, 15m, 1h, 1d ...) across all hosts, windows "
                  "aligned to the server's clock; a failed run leaves the window open")
      ->option_text("DURATION")
      ->check(duration_as_given(std::chrono::milliseconds(1)))
      ->group(operations);
  app->add_flag("--once-per-any-outcome", options.once_per_any_outcome,
                "With --once-per: any run uses up its window, failed or lost ones too")
      ->group(operations);
  const char* inspect = "Inspection";
  app->add_flag("--status", options.status, "Show who holds NAME, since when, for how long")->group(inspect);
  app->add_flag("--list", options.list, "List the locks matching PATTERN (default *): held, or free with a history")
      ->group(inspect);
  app->add_flag("--release", options.release, "Force-release NAME and wake its waiters")->group(inspect);
  app->add_flag("--history", options.history, "Show NAME's last runs on every host, newest first")->group(inspect);
  app->add_flag("--check", options.check,
                "Check NAME's last runs for a monitoring system: exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN")
      ->group(inspect);
  app->add_flag("--fence-check", options.fence_check,
                "Exit 0 while TOKEN is NAME's newest fencing token, else 79 (a newer holder took it)")
      ->group(inspect);
  app->add_option("--max-age", options.max_age_text,
                  "With --check: CRITICAL when the last success is older than DURATION")
      ->option_text("DURATION")
      ->check(duration_as_given(std::chrono::milliseconds(0)))
      ->group(inspect);
  app->add_option("--warn-age", options.warn_age_text,
                  "With --check: WARNING when the last success is older than DURATION")
      ->option_text("DURATION")
      ->check(duration_as_given(std::chrono::milliseconds(0)))
      ->group(inspect);
  app->add_option("-C,--count", options.count, "With --history: show at most N runs")
      ->option_text("N")
      ->check(whole_number_in(1, 100000000))
      ->group(inspect);
  app->add_flag("--all", options.all, "With --history: the refused and skipped attempts too")->group(inspect);
  app->add_option("--on-host", options.run_host, "With --history: only the runs on HOST (as the runs name it)")
      ->option_text("HOST")
      ->group(inspect);
  app->add_option("--outcome", options.outcome_text,
                  "With --history: only the runs that ended so (ok, failed, signal, lost, vanished, released, "
                  "refused, skipped)")
      ->option_text("OUTCOME")
      ->transform(one_of({"ok", "failed", "signal", "lost", "vanished", "released", "refused", "skipped"}))
      ->group(inspect);
  app->add_flag("--timeline", options.timeline,
                "With --history: draw the runs, a lane per host, time left to right, fitted to the terminal")
      ->group(inspect);
  app->add_option("--since", options.since_text, "With --timeline: draw the last DURATION (default: every record)")
      ->option_text("DURATION")
      ->check(duration_as_given(std::chrono::milliseconds(0)))
      ->group(inspect);
  app->add_flag("--json", options.json, "Inspection output as JSON")->group(inspect);
  app->add_option("NAME", options.name, "The lock's name (--list: a glob PATTERN), then the command and its arguments")
      ->type_name("");
  // -s is --shared here, as in flock(1); --socket keeps its long name.
  add_connection_options(*app, options.connection, false);
  return app;
}

namespace {

// The run's history, metrics and windows: their values, and what they do
// not go with.
void finish_operations_options(LockOptions& options) {
  options.host = fleet_host_name();
  if (!options.jitter_text.empty()) {
    options.jitter = *parse_duration(options.jitter_text);
  }
  if (!options.once_per_text.empty()) {
    options.once_per = *parse_duration(options.once_per_text);
    if (options.limit > 1) {
      throw Error(ErrorKind::usage, "--once-per and --limit do not go together: a semaphore's runs overlap");
    }
  }
  if (options.once_per_any_outcome && options.once_per.count() == 0) {
    throw Error(ErrorKind::usage, "--once-per-any-outcome goes with --once-per");
  }
  if (options.metrics_file && options.metrics_file->empty()) {
    throw Error(ErrorKind::usage, "--metrics-file needs a PATH");
  }
}

// -s and -x: one of them, and -s without what makes no sense shared.
void finish_lock_mode_options(const LockOptions& options) {
  if (options.shared && options.exclusive) {
    throw Error(ErrorKind::usage, "-s (--shared) and -x (--exclusive) do not go together");
  }
  if (options.shared && options.limit > 1) {
    throw Error(ErrorKind::usage, "--shared and --limit do not go together: any number of shared holders share it");
  }
  if (options.shared && !options.once_per_text.empty()) {
    throw Error(ErrorKind::usage, "--once-per and --shared do not go together: shared runs overlap");
  }
}

// redis-cli's -s PATH, typed out of habit: -s is --shared here, and the
// socket (one that exists, or a name ending in .sock) became the lock's
// name.
void refuse_socket_as_name(const LockOptions& options) {
  struct stat info {};
  const bool socket = ::stat(options.name.c_str(), &info) == 0 && S_ISSOCK(info.st_mode);
  if (options.shared && (socket || options.name.ends_with(".sock"))) {
    throw Error(ErrorKind::usage, fmt::format("-s is --shared in statesync-lock (as in flock), so the socket '{}' "
                                              "would be the lock's name: for a Unix socket, use --socket {}",
                                              options.name, options.name));
  }
}

constexpr std::array outcomes = {RunOutcome::ok,       RunOutcome::failed,  RunOutcome::signal,   RunOutcome::lost,
                                 RunOutcome::vanished, RunOutcome::refused, RunOutcome::released, RunOutcome::skipped};

// --history's filters: only there, and an outcome read as the library's.
void finish_history_options(LockOptions& options) {
  if (options.mode != LockMode::history) {
    for (const auto& [given, name] :
         {std::pair{options.count > 0, "-C"}, std::pair{options.all, "--all"},
          std::pair{!options.run_host.empty(), "--on-host"}, std::pair{!options.outcome_text.empty(), "--outcome"},
          std::pair{options.timeline, "--timeline"}, std::pair{!options.since_text.empty(), "--since"}}) {
      if (given) {
        throw Error(ErrorKind::usage, std::string(name) + " goes with --history");
      }
    }
    return;
  }
  if (!options.since_text.empty()) {
    if (!options.timeline) {
      throw Error(ErrorKind::usage, "--since goes with --history --timeline");
    }
    options.since = *parse_duration(options.since_text);
  }
  if (options.timeline && (options.json || options.count > 0)) {
    throw Error(ErrorKind::usage, "--timeline draws every record kept: not with --json or -C");
  }
  options.all = options.all || options.timeline; // refusals and skips are marked on it
  for (const RunOutcome outcome : outcomes) {
    if (!options.outcome_text.empty() && outcome_name(outcome) == options.outcome_text) {
      options.outcome = outcome;
      // Refusals and skips are kept apart: asking for them reads them.
      options.all = options.all || outcome == RunOutcome::refused || outcome == RunOutcome::skipped;
    }
  }
}

const char* mode_flag(LockMode mode) {
  switch (mode) {
  case LockMode::status:
    return "--status";
  case LockMode::list:
    return "--list";
  case LockMode::release:
    return "--release";
  case LockMode::history:
    return "--history";
  case LockMode::check:
    return "--check";
  case LockMode::fence_check:
    return "--fence-check";
  case LockMode::run:
    break;
  }
  return "running a command";
}

// An inspection runs nothing: an option that only shapes a run would be
// silently ignored, so it is refused (flock and etcdctl users try them).
void refuse_run_options(const LockOptions& options) {
  for (const auto& [given, name] :
       {std::pair{options.nonblock, "-n"}, std::pair{options.wait.has_value(), "-w"},
        std::pair{options.shared, "-s (--shared)"}, std::pair{options.exclusive, "-x"},
        std::pair{!options.jitter_text.empty(), "--jitter"},
        std::pair{options.metrics_file.has_value(), "--metrics-file"},
        std::pair{!options.once_per_text.empty() && options.mode != LockMode::check, "--once-per"},
        std::pair{options.max_runtime.has_value(), "--max-runtime"}, std::pair{options.hold > 0, "--hold"}}) {
    if (given) {
      throw Error(ErrorKind::usage,
                  fmt::format("{} goes with running a command, not with {}", name, mode_flag(options.mode)));
    }
  }
}

// --fence-check NAME TOKEN: the word after NAME.
void take_fence_token(std::vector<std::string>& rest, LockOptions& options) {
  long long token = 0;
  const std::string text = rest.empty() ? std::string() : rest.front();
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), token);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || token < 1) {
    throw Error(ErrorKind::usage, fmt::format("--fence-check needs NAME TOKEN, a fencing token (1, 2 ...) after "
                                              "the name{}",
                                              text.empty() ? std::string() : ", not '" + text + "'"));
  }
  options.fence_token = token;
  rest.erase(rest.begin());
}

// --check's ages (--max-age needed), and its --once-per: the window a
// second run in is CRITICAL.
void finish_check_options(LockOptions& options) {
  if (options.mode != LockMode::check) {
    if (!options.max_age_text.empty() || !options.warn_age_text.empty()) {
      throw Error(ErrorKind::usage, "--max-age and --warn-age go with --check");
    }
    return;
  }
  if (options.max_age_text.empty()) {
    throw Error(ErrorKind::usage, "--check needs --max-age DURATION: how old the last success may be");
  }
  options.max_age = *parse_duration(options.max_age_text);
  if (!options.warn_age_text.empty()) {
    options.warn_age = *parse_duration(options.warn_age_text);
    if (*options.warn_age >= options.max_age) {
      throw Error(ErrorKind::usage, "--warn-age must be shorter than --max-age");
    }
  }
  if (!options.once_per_text.empty()) {
    options.once_per = *parse_duration(options.once_per_text);
  }
}

} // namespace

void finish_lock_options(const CLI::App& app, LockOptions& options) {
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().starts_with("-")) {
    throw Error(ErrorKind::usage, "unknown option " + rest.front() + " (for help: --help)");
  }
  if (options.name.empty() && app.get_option("NAME")->count() > 0) {
    // An unset $LOCK in a script must not lock (or list) under the name "".
    throw Error(ErrorKind::usage, "the lock name is empty");
  }
  refuse_socket_as_name(options);
  const int modes = int{options.status} + int{options.list} + int{options.release} + int{options.history} +
                    int{options.check} + int{options.fence_check};
  if (modes > 1) {
    throw Error(ErrorKind::usage,
                "--status, --list, --release, --history, --check and --fence-check do not go together");
  }
  options.mode = options.status        ? LockMode::status
                 : options.list        ? LockMode::list
                 : options.release     ? LockMode::release
                 : options.history     ? LockMode::history
                 : options.check       ? LockMode::check
                 : options.fence_check ? LockMode::fence_check
                                       : LockMode::run;
  finish_check_options(options);
  finish_history_options(options);
  if (options.mode != LockMode::run) {
    refuse_run_options(options);
    if (options.mode == LockMode::fence_check) {
      take_fence_token(rest, options);
    }
    if (!rest.empty() || options.command_string) {
      throw Error(ErrorKind::usage, std::string(mode_flag(options.mode)) + " runs no command");
    }
    if (options.mode == LockMode::list && options.name.empty()) {
      options.name = "*";
    }
    if (options.name.empty()) {
      throw Error(ErrorKind::usage, std::string(mode_flag(options.mode)) + " needs a lock NAME");
    }
    return;
  }
  if (options.json) {
    throw Error(ErrorKind::usage, "--json goes with --status, --list, --release or --history");
  }
  finish_operations_options(options);
  finish_lock_mode_options(options);
  if (options.connection.url && options.connection.url->find("://") == std::string::npos) {
    // flock(1)'s -u unlocks; here -u is the server's URL, as in redis-cli.
    throw Error(ErrorKind::usage, fmt::format("-u {} is not a URL: -u is the server's URL (as in redis-cli); to "
                                              "release a lock held elsewhere, use --release NAME",
                                              *options.connection.url));
  }
  if (options.name.empty()) {
    throw Error(ErrorKind::usage, "a lock NAME is needed (for help: --help)");
  }
  if (options.command_string && !rest.empty()) {
    throw Error(ErrorKind::usage, "give either -c STRING or a COMMAND after NAME, not both");
  }
  if (options.command_string) {
    options.command = {"/bin/sh", "-c", *options.command_string};
  } else {
    options.command = std::move(rest); // none: held by hand (as etcdctl lock NAME)
  }
  if (options.nonblock && options.wait) {
    throw Error(ErrorKind::usage, "-n and -w do not go together");
  }
}

} // namespace statesync::tools
