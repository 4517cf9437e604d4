#include "options.hpp"

#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

#include <cstring>

namespace statesync::tools {

std::unique_ptr<CLI::App> make_sub_app(SubOptions& options) {
  auto app = make_app("statesync-sub", "Print the messages published to Redis channels, or run a command for each");
  add_connection_options(*app, options.connection);
  app->footer("-v also prints the channel before each payload.\n"
              "Running a command per message: statesync-sub [OPTIONS] CHANNEL... --exec -- COMMAND [ARGS...]\n"
              "See statesync-sub(1) for the format fields, retained state and reconnecting.");
  app->add_option("channels", options.channels, "Channels (patterns with -P) to subscribe to")
      ->option_text("CHANNEL...");

  auto* pattern = app->add_flag("-P,--pattern", options.patterns, "Subscribe to glob patterns (PSUBSCRIBE)");
  auto* sharded = app->add_flag("--sharded", options.sharded, "Subscribe to sharded channels (SSUBSCRIBE)");
  pattern->excludes(sharded);
  app->add_option("-C,--count", options.count, "Exit 0 after N messages (a retained state counts)")
      ->option_text("N")
      ->check(positive("number"));
  app->add_option("-w,-W,--wait", options.wait, "Stop after SECONDS: exit 1 if -C was not reached, else 0")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"));
  app->add_option("--idle", options.idle, "Exit 0 after SECONDS without a message")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"));
  auto* no_newline = app->add_flag("-N,--no-newline", options.no_newline, "Nothing after each message");
  auto* null = app->add_flag("-0,--null", options.null, "A NUL byte after each message instead of a newline");
  no_newline->excludes(null);
  auto* format = app->add_option("-F,--format", options.format,
                                 "Print each message by TEMPLATE (%t channel, %p payload ...: see the man page)")
                     ->option_text("TEMPLATE");
  auto* json = app->add_flag("--json", options.json, "One JSON object per message");
  format->excludes(json);
  app->add_flag("-R,--retained", options.retained, "Print each channel's retained state first, then live messages");
  auto* no_reconnect =
      app->add_flag("--no-reconnect", options.no_reconnect, "Exit 69 when the connection is lost, do not reconnect");
  app->add_option("--give-up", options.give_up, "Exit 69 when the connection is not back after SECONDS")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"))
      ->excludes(no_reconnect);
  app->add_option("--keepalive", options.keepalive,
                  "PING after SECONDS of silence; no answer within --timeout means the connection is lost")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"));
  auto* exec =
      app->add_flag("--exec", options.exec, "Run the command after -- once per message: payload on its standard input");
  for (auto* output : {no_newline, null, format, json}) {
    exec->excludes(output);
  }
  add_sub_stream_options(*app, options.stream);
  app->add_option("--key-prefix", options.key_prefix, "Prefix of the retained-state keys (default \"statesync:\")")
      ->option_text("PREFIX");
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
  if (options.channels.empty()) {
    throw Error(ErrorKind::usage, options.stream.enabled ? "no stream key to read (see --help)"
                                                         : "no channel to subscribe to (see --help)");
  }
  if (options.retained && options.sharded) {
    throw Error(ErrorKind::usage,
                "-R cannot be used with --sharded: Redis refuses SSUBSCRIBE in the transaction that makes -R exact");
  }
  check_stream_options(options);
}

} // namespace statesync::tools
