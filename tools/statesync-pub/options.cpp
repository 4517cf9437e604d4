#include "options.hpp"

#include "fence_option.hpp"

#include "common/duration_text.hpp"
#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

namespace statesync::tools {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw Error(ErrorKind::usage, message);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

} // namespace

std::unique_ptr<CLI::App> make_pub_app(PubOptions& options) {
  auto app =
      make_app("statesync-pub", "Publish messages to Redis channels: one, a stream of records, or retained state.",
               {"[OPTIONS] CHANNEL MESSAGE...", "[OPTIONS] (-l | -0 | -d CHAR | -x | -f PATH) CHANNEL",
                "[OPTIONS] --channel-field SEP (-l | -0 | -d CHAR)", "[OPTIONS] --clear [-P] CHANNEL",
                "[OPTIONS] --request CHANNEL (PAYLOAD... | -l | -x)"});
  add_connection_options(*app, options.connection);
  const char* input = "Input";
  app->add_flag("-l,--lines", options.lines, "Publish each line of standard input")->group(input);
  app->add_flag("-0,--null", options.null, "Publish each NUL-terminated record of stdin")->group(input);
  app->add_flag("-x,--stdin", options.whole_stdin, "Publish all of standard input as one message")->group(input);
  app->add_option("-f,--file", options.file, "Publish a whole file as one message")->option_text("PATH")->group(input);
  app->add_option("-d,--delimiter", options.delimiter, "Publish records of stdin split at CHAR")
      ->option_text("CHAR")
      ->group(input);
  app->add_flag("--skip-empty", options.skip_empty, "Do not publish empty messages")->group(input);
  app->add_option("--channel-field", options.channel_field, "Records are CHANNEL SEP MESSAGE: many channels")
      ->option_text("SEP")
      ->group(input);
  const char* publishing = "Publishing";
  app->add_flag("-r,--retain", options.retain, "Keep the message as the channel's versioned state")->group(publishing);
  app->add_option("--ttl", options.ttl, "With -r: the retained state expires after DURATION")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(publishing);
  app->add_flag("--clear", options.clear, "Delete the retained state; publish an empty one")->group(publishing);
  app->add_flag("-P,--pattern", options.pattern, "With --clear: CHANNEL is a glob; clear every matching state")
      ->group(publishing);
  app->add_option("--key-prefix", options.key_prefix, "Retained-state key prefix (default statesync:)")
      ->option_text("PREFIX")
      ->group(publishing);
  auto* require =
      app->add_option("--require-subscribers", options.require_subscribers, "Exit 1 if a message reached fewer than N")
          ->option_text("N")
          ->check(not_negative("whole number"))
          ->group(publishing);
  app->add_option("--wait-subscribers", options.wait_subscribers, "First wait up to DURATION for N subscribers")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->needs(require)
      ->group(publishing);
  app->add_flag("--sharded", options.sharded, "Use SPUBLISH (Redis 7 sharded pub/sub)")->group(publishing);
  app->add_flag("--fenced", options.fenced,
                "Write only while STATESYNC_LOCK_TOKEN is the newest holder's of STATESYNC_LOCK_NAME")
      ->group(publishing);
  app->add_option("--fence", options.fence_text, "Write only while TOKEN is the newest holder's of lock NAME")
      ->option_text("NAME:TOKEN")
      ->group(publishing);
  app->add_option("--repeat", options.repeat, "Publish N times (0: until interrupted)")
      ->option_text("N")
      ->check(not_negative("whole number"))
      ->group(publishing);
  app->add_option("--interval", options.interval, "Wait DURATION between one message and the next")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(0)))
      ->group(publishing);
  app->add_flag("--progress", options.progress, "Show a live count and rate on stderr (a terminal)")->group(publishing);
  auto* no_reconnect = app->add_flag("--no-reconnect", options.no_reconnect,
                                     "With -l, -0 or -d: exit 69 when the connection is lost, do not reconnect")
                           ->group(publishing);
  app->add_option("--give-up", options.give_up,
                  "With -l, -0 or -d: exit 69 when the connection is not back after DURATION")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->excludes(no_reconnect)
      ->group(publishing);
  app->add_option("--wait-replicas", options.wait_replicas,
                  "With -l, -0 or -d: acknowledge once N replicas have a message")
      ->option_text("N")
      ->check(whole_number_in(1, 1000))
      ->group(publishing);
  add_pub_stream_options(*app, options.stream);
  add_pub_request_options(*app, options.request);
  app->add_option("CHANNEL", options.arguments, "The channel, then the messages to publish (one each)")
      ->option_text("CHANNEL [MESSAGE...]");
  return app;
}

std::string decode_escapes(const std::string& text, const char* option) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char c = text[++i];
    switch (c) {
    case 'n':
      out += '\n';
      break;
    case 't':
      out += '\t';
      break;
    case 'r':
      out += '\r';
      break;
    case '0':
      out += '\0';
      break;
    case '\\':
      out += '\\';
      break;
    case 'x': {
      const int high = i + 1 < text.size() ? hex_digit(text[i + 1]) : -1;
      const int low = i + 2 < text.size() ? hex_digit(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        usage(std::string(option) + ": \\x needs two hex digits");
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
      break;
    }
    default:
      usage(std::string(option) + ": unknown escape \\" + c + " (use \\n \\t \\r \\0 \\\\ or \\xHH)");
    }
  }
  return out;
}

PubPlan plan_pub(const PubOptions& options) {
  PubPlan plan;
  const int modes = int{options.lines} + int{options.null} + int{options.whole_stdin} + int{options.file.has_value()} +
                    int{options.delimiter.has_value()};
  if (modes > 1) {
    usage("choose one input mode: -l, -0, -d, -x or -f");
  }
  if (options.lines) {
    plan.mode = InputMode::lines;
  } else if (options.null) {
    plan.mode = InputMode::records;
    plan.separator = '\0';
  } else if (options.delimiter) {
    plan.mode = InputMode::records;
    const std::string separator = decode_escapes(*options.delimiter, "-d");
    if (separator.size() != 1) {
      usage("-d takes a single byte, such as , or '\\t'");
    }
    plan.separator = separator[0];
  } else if (options.whole_stdin) {
    plan.mode = InputMode::whole_stdin;
  } else if (options.file) {
    plan.mode = InputMode::file;
  }
  if (options.clear) {
    if (modes > 0 || options.channel_field || options.arguments.size() > 1 || options.repeat != 1) {
      usage("--clear takes a channel only: no messages, input mode, --channel-field or --repeat");
    }
    plan.mode = InputMode::clear;
  }
  if (options.pattern && !options.clear) {
    usage("-P goes with --clear (to publish on many channels, see --channel-field)");
  }
  const bool record_mode = plan.mode == InputMode::lines || plan.mode == InputMode::records;
  if ((options.no_reconnect || options.give_up) && !record_mode) {
    // A one-shot publish fails fast: nothing to reconnect for.
    usage("--no-reconnect and --give-up are for record streams: -l, -0 or -d");
  }
  if (options.wait_replicas > 0 && !record_mode) {
    usage("--wait-replicas is for record streams: -l, -0 or -d");
  }
  if (options.channel_field) {
    if (!record_mode) {
      usage("--channel-field needs records to read: -l, -0 or -d");
    }
    if (!options.arguments.empty()) {
      usage("with --channel-field each record names its channel: give no CHANNEL");
    }
    plan.channel_field = decode_escapes(*options.channel_field, "--channel-field");
    if (plan.channel_field->empty()) {
      usage("--channel-field needs a separator");
    }
  } else if (options.arguments.empty()) {
    // mosquitto_pub's -s reads standard input: `-s CHANNEL` took the channel as our socket path.
    usage(options.connection.socket ? "no channel given: -s is the Unix socket here; read standard input with -x"
                                    : "no channel given (for help: --help)");
  } else if (options.arguments.front().empty()) {
    // An unset $CHAN in a script must not publish to the channel "".
    usage(options.stream.enabled ? "the stream key is empty"
          : options.pattern      ? "the pattern is empty"
                                 : "the channel name is empty");
  } else {
    plan.channel = options.arguments.front();
  }
  if (plan.mode == InputMode::arguments) {
    if (options.arguments.size() < 2) {
      usage("no message given: MESSAGE arguments, or an input mode (-l, -0, -d, -x, -f)");
    }
    plan.messages.assign(options.arguments.begin() + 1, options.arguments.end());
  } else if (options.arguments.size() > 1) {
    usage("MESSAGE arguments and an input mode exclude each other");
  }
  if (record_mode && options.repeat != 1) {
    usage("--repeat re-sends MESSAGE arguments, -x or -f: standard input is read only once");
  }
  if (options.ttl && !options.retain) {
    usage("--ttl is for retained messages: add -r");
  }
  stream_writer_options(options); // checks the --stream options
  plan.fence = fence_for(options);
  check_request_options(options);
  return plan;
}

} // namespace statesync::tools
