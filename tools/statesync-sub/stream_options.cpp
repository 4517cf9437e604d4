#include "stream_options.hpp"

#include "common/duration_text.hpp"
#include "options.hpp"

#include "common/duration.hpp"
#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

#include <unistd.h>

#include <utility>

namespace statesync::tools {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw Error(ErrorKind::usage, message);
}

// "host:pid": unique among live consumers, and recognisable in XINFO.
std::string default_consumer() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  return std::string(host) + ":" + std::to_string(::getpid());
}

// The library's parse, its usage error prefixed with the option that gave the text.
template <typename Parse>
auto naming_option(const char* option, Parse parse) {
  try {
    return parse();
  } catch (const Error& error) {
    usage(std::string(option) + ": " + error.what());
  }
}

} // namespace

void add_sub_stream_options(CLI::App& app, SubStreamArgs& args) {
  const char* streams = "Streams";
  app.add_flag("--stream", args.enabled, "The CHANNEL arguments are stream keys: print their entries (durable)")
      ->group(streams);
  app.add_option("--field", args.field, "The field printed as the payload (default payload)")
      ->option_text("NAME")
      ->group(streams);
  app.add_option("--from", args.from, "Start at $ (new entries, default), 0 (all), an ID, -N (last N) or @TIME")
      ->option_text("WHERE")
      ->group(streams);
  app.add_option("--until", args.until, "End after entry ID, or after the entries of @TIME")
      ->option_text("END")
      ->group(streams);
  app.add_flag("-e,--exit-at-end", args.exit_at_end, "Exit 0 once the entries there were at the start are read")
      ->group(streams);
  app.add_option("--resume", args.resume, "Keep the last entry's ID in FILE and start after it next time")
      ->option_text("FILE")
      ->group(streams);
  app.add_option("--group", args.group, "Read as a consumer of group NAME: each entry to one consumer, then XACK")
      ->option_text("NAME")
      ->group(streams);
  app.add_option("--group-start", args.group_start, "Where a group created now starts: $ (default), 0 or an ID")
      ->option_text("ID")
      ->group(streams);
  app.add_option("--consumer", args.consumer, "This consumer's name in the group (default host:pid)")
      ->option_text("NAME")
      ->group(streams);
  app.add_option("--claim-idle", args.claim_idle, "Take over entries other consumers left pending DURATION")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(streams);
  app.add_option("--max-deliveries", args.max_deliveries, "Move an entry delivered N times to --dead-letter")
      ->option_text("N")
      ->check(positive("whole number"))
      ->group(streams);
  app.add_option("--dead-letter", args.dead_letter, "The stream that entries delivered too often go to")
      ->option_text("KEY")
      ->group(streams);
}

const char* given_stream_option(const SubStreamArgs& args) {
  const std::pair<bool, const char*> options[] = {
      {args.enabled, "--stream"},
      {args.field != "payload", "--field"},
      {args.from != "$", "--from"},
      {args.until.has_value(), "--until"},
      {args.exit_at_end, "-e"},
      {args.resume.has_value(), "--resume"},
      {args.group.has_value(), "--group"},
      {args.group_start != "$", "--group-start"},
      {args.consumer.has_value(), "--consumer"},
      {args.claim_idle.has_value(), "--claim-idle"},
      {args.max_deliveries.has_value(), "--max-deliveries"},
      {args.dead_letter.has_value(), "--dead-letter"},
  };
  for (const auto& [given, name] : options) {
    if (given) {
      return name;
    }
  }
  return nullptr;
}

void check_stream_options(const SubOptions& options) {
  const SubStreamArgs& args = options.stream;
  const bool group_options =
      args.group_start != "$" || args.consumer || args.claim_idle || args.max_deliveries || args.dead_letter;
  if (!args.enabled) {
    if (given_stream_option(args) != nullptr) {
      usage("--field, --from, --until, -e, --resume and the group options are for streams: add --stream");
    }
    return;
  }
  if (options.patterns || options.sharded || options.retained || options.keepalive || options.live) {
    usage("--stream reads stream keys: no -P, --sharded, -R, --live or --keepalive (a read in flight is its own)");
  }
  if (!options.filter_out.empty() || options.retained_only) {
    usage("-T and --retained-only are about channels: they cannot be used with --stream");
  }
  if (!args.group && group_options) {
    usage("--group-start, --consumer, --claim-idle, --max-deliveries and --dead-letter need --group");
  }
  if (args.group && (args.until || args.resume || args.from != "$")) {
    usage("a group keeps its own place: no --from, --until or --resume with --group (see --group-start)");
  }
  if (args.max_deliveries.has_value() != args.dead_letter.has_value()) {
    usage("--max-deliveries and --dead-letter go together");
  }
  stream_reader_options(options); // a bad --from or --until is a usage error now
}

StreamReaderOptions stream_reader_options(const SubOptions& options) {
  const SubStreamArgs& args = options.stream;
  StreamReaderOptions reader;
  reader.keys = options.channels;
  reader.from = naming_option("--from", [&] { return parse_stream_start(args.from); });
  if (args.until) {
    reader.until = naming_option("--until", [&] { return parse_stream_until(*args.until); });
  }
  reader.stop_at_end = args.exit_at_end;
  if (args.group) {
    StreamGroupOptions group;
    group.name = *args.group;
    group.consumer = args.consumer.value_or(default_consumer());
    if (args.group_start != "$") {
      group.start = StreamId::parse(args.group_start, "--group-start").str();
    }
    if (args.claim_idle) {
      group.claim_idle = to_milliseconds(*args.claim_idle);
    }
    if (args.max_deliveries) {
      group.max_deliveries = static_cast<std::uint64_t>(*args.max_deliveries);
      group.dead_letter = *args.dead_letter;
    }
    reader.group = std::move(group);
  }
  return reader;
}

} // namespace statesync::tools
