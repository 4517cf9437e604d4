#include "stream_options.hpp"

#include "fence_option.hpp"
#include "options.hpp"
#include "run.hpp"

#include "common/duration_text.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>
#include <statesync/stream_id.hpp>

#include <charconv>

namespace statesync::tools {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw Error(ErrorKind::usage, message);
}

// "N" or "~N": approximate; "=N": exact (`exact` set). What follows the mark.
std::string_view without_exactness(std::string_view text, bool& exact) {
  if (text.starts_with('~') || text.starts_with('=')) {
    exact = text.front() == '=';
    text.remove_prefix(1);
  }
  return text;
}

std::uint64_t parse_max_length(const std::string& text, bool& exact) {
  const std::string_view number = without_exactness(text, exact);
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
  if (number.empty() || error != std::errc{} || end != number.data() + number.size()) {
    usage("--maxlen: give N or ~N (approximate) or =N (exact), not '" + text + "'");
  }
  return value;
}

std::chrono::milliseconds parse_max_age(const std::string& text, bool& exact) {
  const auto age = parse_duration(without_exactness(text, exact));
  if (!age) {
    usage("--max-age: give DURATION or ~DURATION (approximate) or =DURATION (exact), where DURATION is " +
          duration_expected(std::chrono::milliseconds(0)) + "; not '" + text + "'");
  }
  return *age;
}

} // namespace

void add_pub_stream_options(CLI::App& app, PubStreamArgs& args) {
  const char* streams = "Streams";
  app.add_flag("--stream", args.enabled, "CHANNEL is a stream key: every message becomes one entry (XADD)")
      ->group(streams);
  app.add_option("--field", args.field, "The field that holds the payload (default payload)")
      ->option_text("NAME")
      ->group(streams);
  app.add_option("--id", args.id, "The entry's ID instead of one the server chooses")
      ->option_text("ID")
      ->group(streams);
  app.add_option("--maxlen", args.maxlen, "Trim to about N entries (N or ~N), or exactly (=N)")
      ->option_text("N")
      ->group(streams);
  app.add_option("--max-age", args.max_age,
                 "Trim entries older than about DURATION (~), or exactly (=), by the server's clock (MINID)")
      ->option_text("DURATION")
      ->group(streams);
}

StreamWriterOptions stream_writer_options(const PubOptions& options) {
  const PubStreamArgs& args = options.stream;
  StreamWriterOptions writer;
  if (!args.enabled) {
    if (args.id || args.maxlen || args.max_age || args.field != writer.field) {
      usage("--field, --id, --maxlen and --max-age are for stream entries: add --stream");
    }
    return writer;
  }
  if (options.retain || options.clear || options.ttl || options.require_subscribers || options.sharded) {
    usage("--stream adds entries to a stream: no -r, --ttl, --clear, --require-subscribers or --sharded");
  }
  writer.field = args.field;
  writer.fence = fence_for(options);
  if (args.id) {
    StreamId::parse(*args.id, "--id"); // "ms-seq", "ms", or "ms-*"
    writer.id = *args.id;
  }
  if (args.maxlen) {
    writer.trim.max_length = parse_max_length(*args.maxlen, writer.trim.exact_length);
  }
  if (args.max_age) {
    writer.trim.max_age = parse_max_age(*args.max_age, writer.trim.exact_age);
  }
  return writer;
}

std::unique_ptr<MessageStream> make_stream_writer(const PubOptions& options, const Link& link,
                                                  MessageStream::OnAck on_ack) {
  StreamWriterOptions writer_options = stream_writer_options(options);
  writer_options.reconnect = link.options().reconnect;
  writer_options.window.wait_replicas = options.wait_replicas;
  auto writer = std::make_unique<StreamWriter>(link.endpoint(), link.options().client_name, std::move(writer_options),
                                               std::move(on_ack));
  writer->set_wake_fd(link.wake_fd());
  writer->on_reconnect([](const std::string& where) { report_verbose(unacknowledged_sent_again(where)); });
  return writer;
}

} // namespace statesync::tools
