#include "options.hpp"

#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

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
  app->add_option("--wait-replicas", options.wait_replicas, "Wait until N replicas have the lock, or fail")
      ->option_text("N")
      ->check(whole_number_in(1, 1000))
      ->group(group);
  app->add_option("--key-prefix", options.key_prefix, "Prefix of the lock's keys (default \"statesync:\")")
      ->option_text("PREFIX")
      ->group(group);
  const char* inspect = "Inspection";
  app->add_flag("--status", options.status, "Show who holds NAME, since when, for how long")->group(inspect);
  app->add_flag("--list", options.list, "List the held locks matching PATTERN (default *)")->group(inspect);
  app->add_flag("--release", options.release, "Force-release NAME and wake its waiters")->group(inspect);
  app->add_flag("--json", options.json, "Inspection output as JSON")->group(inspect);
  app->add_option("NAME", options.name, "The lock's name (--list: a glob PATTERN), then the command and its arguments")
      ->type_name("");
  add_connection_options(*app, options.connection);
  return app;
}

void finish_lock_options(const CLI::App& app, LockOptions& options) {
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") {
    rest.erase(rest.begin());
  } else if (!rest.empty() && rest.front().starts_with("-")) {
    throw Error(ErrorKind::usage, "unknown option " + rest.front() + " (for help: --help)");
  }
  const int modes = int{options.status} + int{options.list} + int{options.release};
  if (modes > 1) {
    throw Error(ErrorKind::usage, "--status, --list and --release do not go together");
  }
  options.mode = options.status    ? LockMode::status
                 : options.list    ? LockMode::list
                 : options.release ? LockMode::release
                                   : LockMode::run;
  if (options.mode != LockMode::run) {
    if (!rest.empty() || options.command_string) {
      throw Error(ErrorKind::usage, "--status, --list and --release run no command");
    }
    if (options.mode == LockMode::list && options.name.empty()) {
      options.name = "*";
    }
    if (options.name.empty()) {
      throw Error(ErrorKind::usage, std::string(options.status ? "--status" : "--release") + " needs a lock NAME");
    }
    return;
  }
  if (options.json) {
    throw Error(ErrorKind::usage, "--json goes with --status, --list or --release");
  }
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
