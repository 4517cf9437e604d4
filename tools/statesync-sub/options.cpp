#include "options.hpp"

#include "common/duration.hpp"
#include "common/duration_text.hpp"
#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

#include <algorithm>
#include <cstring>

namespace statesync::tools {

std::unique_ptr<CLI::App> make_sub_app(SubOptions& options) {
  auto app =
      make_app("statesync-sub", "Print the messages published to Redis channels, or run a command for each.",
               {"[OPTIONS] CHANNEL...", "[OPTIONS] -P PATTERN...", "[OPTIONS] CHANNEL... --exec -- COMMAND [ARGS...]",
                "[OPTIONS] --reply CHANNEL... --exec -- COMMAND [ARGS...]"});
  add_connection_options(*app, options.connection);
  app->footer("-v also prints the channel before each payload. See statesync-sub(1) for the format fields, "
              "retained state and reconnecting.");
  app->add_option("CHANNEL", options.channels, "Channels (patterns with -P) to subscribe to")
      ->option_text("CHANNEL...");

  const char* subscribing = "Subscribing";
  auto* pattern =
      app->add_flag("-P,--pattern", options.patterns, "Subscribe to glob patterns (PSUBSCRIBE)")->group(subscribing);
  auto* sharded =
      app->add_flag("--sharded", options.sharded, "Subscribe to sharded channels (SSUBSCRIBE)")->group(subscribing);
  pattern->excludes(sharded);
  app->add_flag("-R,--retained", options.retained, "Print retained states first, then live messages")
      ->group(subscribing);
  app->add_flag("--retained-only", options.retained_only, "Print the matching retained states and exit (-R)")
      ->group(subscribing);
  app->add_option("-T,--filter-out", options.filter_out, "Do not show messages on channels matching PATTERN")
      ->option_text("PATTERN")
      ->allow_extra_args(false) // one pattern each time: the channels follow
      ->group(subscribing);
  app->add_option("--key-prefix", options.key_prefix, "Retained-state key prefix (default statesync:)")
      ->option_text("PREFIX")
      ->group(subscribing);

  const char* stopping = "Stopping";
  app->add_option("-C,--count", options.count, "Exit 0 after N messages (a retained state counts)")
      ->option_text("N")
      ->check(positive("number"))
      ->group(stopping);
  app->add_option("-w,-W,--wait", options.wait, "Stop after DURATION: exit 1 if -C was not reached")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(stopping);
  app->add_option("--idle", options.idle, "Stop after DURATION idle: exit 1 if -C was not reached")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(stopping);

  const char* output = "Output";
  auto* no_newline = app->add_flag("-N,--no-newline", options.no_newline, "Nothing after each message")->group(output);
  auto* null =
      app->add_flag("-0,--null", options.null, "A NUL byte after each message instead of a newline")->group(output);
  no_newline->excludes(null);
  auto* format = app->add_option("-F,--format", options.format, "Print by TEMPLATE: %t channel, %p payload, ...")
                     ->option_text("TEMPLATE")
                     ->group(output);
  auto* json = app->add_flag("--json", options.json, "One JSON object per message")->group(output);
  format->excludes(json);
  app->add_flag("--pretty", options.pretty, "With --json: indented, one member per line")->needs(json)->group(output);
  auto* exec = app->add_flag("--exec", options.exec, "Run the command after -- for each message")->group(output);
  auto* live =
      app->add_flag("--live", options.live, "A line per channel, updated in place (a terminal)")->group(output);
  for (auto* excluded : {no_newline, null, format, json}) {
    exec->excludes(excluded);
    live->excludes(excluded);
  }
  live->excludes(exec);

  const char* reconnecting = "Reconnecting";
  auto* no_reconnect =
      app->add_flag("--no-reconnect", options.no_reconnect, "Exit 69 when the connection is lost")->group(reconnecting);
  app->add_option("--give-up", options.give_up, "Exit 69 if not reconnected within DURATION")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->excludes(no_reconnect)
      ->group(reconnecting);
  app->add_option("--keepalive", options.keepalive, "PING after DURATION of silence (finds dead links)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(reconnecting);
  add_readiness_options(*app, options.ready);
  add_watch_options(*app, options.watch);
  add_sub_stream_options(*app, options.stream);
  add_reply_options(*app, options.reply);
  add_mirror_options(*app, options.mirror);
  return app;
}

int split_command(int argc, char** argv, SubOptions& options) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--") == 0) {
      options.command.assign(argv + i + 1, argv + argc);
      return i;
    }
  }
  return argc;
}

void check_options(SubOptions& options) {
  if (!options.exec) {
    // Without --exec, "--" only ends the options: channels follow.
    options.channels.insert(options.channels.end(), options.command.begin(), options.command.end());
    options.command.clear();
  } else if (options.command.empty()) {
    throw Error(ErrorKind::usage, "--exec needs a command after --: --exec -- COMMAND [ARGS...]");
  }
  if (std::find(options.channels.begin(), options.channels.end(), "") != options.channels.end()) {
    // An unset $CHAN in a script must not subscribe to the channel "".
    throw Error(ErrorKind::usage, options.patterns         ? "a pattern is empty"
                                  : options.watch.enabled  ? "a key name is empty"
                                  : options.stream.enabled ? "a stream key is empty"
                                                           : "a channel name is empty");
  }
  check_reply_options(options);
  check_mirror_options(options);
  if (options.watch.enabled) {
    check_watch_options(options);
    return;
  }
  if (options.channels.empty()) {
    throw Error(ErrorKind::usage, options.stream.enabled ? "no stream key to read (for help: --help)"
                                                         : "no channel to subscribe to (for help: --help)");
  }
  if ((options.retained || options.retained_only) && options.sharded) {
    throw Error(ErrorKind::usage, std::string(options.retained ? "-R" : "--retained-only") +
                                      " cannot be used with --sharded: Redis refuses SSUBSCRIBE in the transaction "
                                      "that makes -R exact");
  }
  check_stream_options(options);
  options.retained = options.retained || options.retained_only;
}

StayingConnected staying_connected(const SubOptions& options) {
  StayingConnected result;
  result.reconnect.enabled = !options.no_reconnect;
  if (options.give_up) {
    result.reconnect.give_up_after = to_milliseconds(*options.give_up);
  }
  if (options.keepalive) {
    result.keepalive = to_milliseconds(*options.keepalive);
  }
  return result;
}

} // namespace statesync::tools
