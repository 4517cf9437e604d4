#include "options.hpp"

#include "common/duration_text.hpp"
#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

#include <cstdlib>
#include <map>

namespace statesync::tools {

std::unique_ptr<CLI::App> make_lock_app(LockOptions& options) {
  auto app = make_app("statesync-lock",
                      "Run a command while holding a lock in Redis, so that it runs on one host at a time; or "
                      "inspect and release locks.",
                      {"[OPTIONS] NAME -- COMMAND [ARGS...]", "[OPTIONS] -c STRING NAME", "--status NAME [--json]",
                       "--list [PATTERN] [--json]", "--release NAME [--json]"});
  // The command starts at the first word after NAME that is not one of
  // our options (or after "--"); from there on nothing is parsed as ours.
  app->prefix_command();
  const char* group = "Lock";
  app->add_flag("-n,--nonblock", options.nonblock, "Fail at once (status 1, or -E's) if it is held")->group(group);
  app->add_option("-w,--wait", options.wait, "Wait at most SECONDS for the lock (0 is -n)")
      ->option_text("SECONDS")
      ->check(not_negative("number of seconds"))
      ->group(group);
  app->add_option("-E,--conflict-exit-code", options.conflict_exit_code, "Exit status when not acquired (default 1)")
      ->option_text("N")
      ->check(whole_number_in(0, 255))
      ->group(group);
  app->add_option("-c,--command", options.command_string, "Run STRING with /bin/sh -c instead of COMMAND")
      ->option_text("STRING")
      ->group(group);
  app->add_option("--ttl", options.ttl, "Lease, renewed every third of it (default 30)")
      ->option_text("SECONDS")
      ->check(at_least(0.01, "number of seconds"))
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
  app->add_option("--hold", options.hold, "Keep the lock SECONDS after the command ends")
      ->option_text("SECONDS")
      ->check(not_negative("number of seconds"))
      ->group(group);
  app->add_option("--max-runtime", options.max_runtime, "Terminate the command after SECONDS")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"))
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
  app->add_option("--jitter", options.jitter_text, "Wait a random time up to SECONDS before trying")
      ->option_text("SECONDS")
      ->check(duration_text(true))
      ->group(operations);
  app->add_option("--once-per", options.once_per_text,
                  "Run at most once per window of DURATION (90s, 15m, 1h, 1d ...) across all hosts, windows "
                  "aligned to the server's clock; a failed run leaves the window open")
      ->option_text("DURATION")
      ->check(duration_text(false))
      ->group(operations);
  app->add_flag("--once-per-any-outcome", options.once_per_any_outcome,
                "With --once-per: any run uses up its window, failed or lost ones too")
      ->group(operations);
  const char* inspect = "Inspection";
  app->add_flag("--status", options.status, "Show who holds NAME, since when, for how long")->group(inspect);
  app->add_flag("--list", options.list, "List the held locks matching PATTERN (default *)")->group(inspect);
  app->add_flag("--release", options.release, "Force-release NAME and wake its waiters")->group(inspect);
  app->add_flag("--history", options.history, "Show NAME's last runs on every host, newest first")->group(inspect);
  app->add_option("-C,--count", options.count, "With --history: show at most N runs")
      ->option_text("N")
      ->check(whole_number_in(1, 100000000))
      ->group(inspect);
  app->add_flag("--json", options.json, "Inspection output as JSON")->group(inspect);
  app->add_option("NAME", options.name, "The lock's name (--list: a glob PATTERN), then the command and its arguments")
      ->type_name("");
  add_connection_options(*app, options.connection);
  return app;
}

namespace {

// The run's history, metrics and windows: their values, and what they do
// not go with.
void finish_operations_options(LockOptions& options) {
  if (const char* host = std::getenv("STATESYNC_HOSTNAME"); host != nullptr && *host != '\0') {
    options.host = host;
  }
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

} // namespace

void finish_lock_options(const CLI::App& app, LockOptions& options) {
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().starts_with("-")) {
    throw Error(ErrorKind::usage, "unknown option " + rest.front() + " (for help: --help)");
  }
  const int modes = int{options.status} + int{options.list} + int{options.release} + int{options.history};
  if (modes > 1) {
    throw Error(ErrorKind::usage, "--status, --list, --release and --history do not go together");
  }
  options.mode = options.status    ? LockMode::status
                 : options.list    ? LockMode::list
                 : options.release ? LockMode::release
                 : options.history ? LockMode::history
                                   : LockMode::run;
  if (options.count > 0 && options.mode != LockMode::history) {
    throw Error(ErrorKind::usage, "-C goes with --history");
  }
  if (options.mode != LockMode::run) {
    if (!rest.empty() || options.command_string) {
      throw Error(ErrorKind::usage, "--status, --list, --release and --history run no command");
    }
    if (options.mode == LockMode::list && options.name.empty()) {
      options.name = "*";
    }
    if (options.name.empty()) {
      throw Error(ErrorKind::usage, std::string(options.status    ? "--status"
                                                : options.history ? "--history"
                                                                  : "--release") +
                                        " needs a lock NAME");
    }
    return;
  }
  if (options.json) {
    throw Error(ErrorKind::usage, "--json goes with --status, --list, --release or --history");
  }
  finish_operations_options(options);
  if (options.name.empty()) {
    throw Error(ErrorKind::usage, "a lock NAME and a command are needed (for help: --help)");
  }
  if (options.command_string && !rest.empty()) {
    throw Error(ErrorKind::usage, "give either -c STRING or a COMMAND after NAME, not both");
  }
  if (options.command_string) {
    options.command = {"/bin/sh", "-c", *options.command_string};
  } else if (rest.empty()) {
    throw Error(ErrorKind::usage, "no command to run: give one after NAME -- or with -c");
  } else {
    options.command = std::move(rest);
  }
  if (options.nonblock && options.wait) {
    throw Error(ErrorKind::usage, "-n and -w do not go together");
  }
}

} // namespace statesync::tools
