#pragma once
// statesync-pub --stream: every message becomes a Redis Stream entry. The
// options and what they mean for the library's stream writer.

#include <statesync/link.hpp>
#include <statesync/publisher.hpp>
#include <statesync/stream_writer.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>

namespace statesync::tools {

struct PubOptions;

struct PubStreamArgs {
  bool enabled = false; // the CHANNEL is a stream key
  std::string field{"payload"};
  std::optional<std::string> id;
  std::optional<std::string> maxlen;  // N, ~N or =N
  std::optional<std::string> max_age; // DURATION, ~DURATION or =DURATION
};

void add_pub_stream_options(CLI::App& app, PubStreamArgs& args);

// The writer's options; throws Error(usage) for options that do not go
// with --stream (or need it), and for a bad --maxlen.
StreamWriterOptions stream_writer_options(const PubOptions& options);

// The stream writer that takes the place of a publish stream, on a link
// of its own with `link`'s endpoint, reconnect policy and wake fd.
std::unique_ptr<MessageStream> make_stream_writer(const PubOptions& options, const Link& link,
                                                  MessageStream::OnAck on_ack);

} // namespace statesync::tools
