#include "request_options.hpp"

#include "options.hpp"

#include "common/option_checks.hpp"
#include "statesync-sub/format_template.hpp"

#include <statesync/error.hpp>

namespace statesync::tools {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw Error(ErrorKind::usage, message);
}

} // namespace

void add_pub_request_options(CLI::App& app, PubRequestArgs& args) {
  const char* requests = "Requests";
  app.add_flag("--request", args.enabled, "Ask CHANNEL's responders (statesync-sub --reply); print their replies")
      ->group(requests);
  app.add_option("-W,--wait", args.wait, "With --request: wait at most SECONDS for the replies (default 5)")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"))
      ->group(requests);
  app.add_option("--replies", args.replies, "Wait for N replies, not one per receiver (0: all until -W)")
      ->option_text("N")
      ->check(not_negative("whole number"))
      ->group(requests);
  app.add_option("--timeout-each", args.timeout_each, "With -l, -0 or -d: wait at most SECONDS for each request")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"))
      ->group(requests);
  auto* format = app.add_option("-F,--format", args.format, "Print replies by TEMPLATE: %h host, %s status, %L ms, ...")
                     ->option_text("TEMPLATE")
                     ->group(requests);
  app.add_flag("--json", args.json, "One JSON object per reply")->excludes(format)->group(requests);
  app.add_flag("--require-all", args.require_all, "Exit 1 also when a responder's command failed")->group(requests);
}

void check_request_options(const PubOptions& options) {
  const PubRequestArgs& args = options.request;
  if (!args.enabled) {
    if (args.replies || args.timeout_each || args.format || args.json || args.require_all || args.wait) {
      usage("-W, --replies, --timeout-each, -F, --json and --require-all are for requests: add --request");
    }
    return;
  }
  if (options.retain || options.clear || options.ttl || options.require_subscribers || options.stream.enabled ||
      options.channel_field || options.repeat != 1 || options.progress) {
    usage("--request asks and waits for replies: no -r, --ttl, --clear, --require-subscribers, --stream, "
          "--channel-field, --repeat or --progress");
  }
  if (args.format) {
    FormatTemplate::parse(*args.format); // refused before connecting
  }
  if (args.timeout_each && !(options.lines || options.null || options.delimiter)) {
    usage("--timeout-each is for many requests: -l, -0 or -d");
  }
}

} // namespace statesync::tools
