#pragma once
// statesync-pub's options, defined once for the tool and its generated docs.

#include "request_options.hpp"
#include "stream_options.hpp"

#include "common/connection_options.hpp"

#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>

#include <CLI/CLI.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

struct PubOptions {
  ConnectionArgs connection;
  std::vector<std::string> arguments; // CHANNEL MESSAGE...
  bool lines = false;
  bool null = false;
  bool whole_stdin = false;
  std::optional<std::string> file;
  std::optional<std::string> delimiter;
  bool skip_empty = false;
  std::optional<std::string> channel_field;
  bool retain = false;
  std::optional<double> ttl;
  bool clear = false;
  bool pattern = false; // --clear -P: CHANNEL is a glob pattern
  std::optional<long long> require_subscribers;
  std::optional<double> wait_subscribers; // with require_subscribers
  bool sharded = false;
  long long repeat = 1;
  double interval = 0.0;
  bool progress = false;
  // Record streams (-l, -0, -d) only: one-shot publishes fail fast.
  bool no_reconnect = false;
  std::optional<double> give_up;
  int wait_replicas = 0; // StreamWindow::wait_replicas
  std::string key_prefix{default_key_prefix};
  PubStreamArgs stream;
  bool fenced = false;                   // --fenced
  std::optional<std::string> fence_text; // --fence NAME:TOKEN
  PubRequestArgs request;                // --request
};

std::unique_ptr<CLI::App> make_pub_app(PubOptions& options);

// Where the messages come from: the forms of the command line.
enum class InputMode {
  arguments,   // CHANNEL MESSAGE...
  lines,       // -l
  records,     // -0 or -d: records split at one byte
  whole_stdin, // -x
  file,        // -f
  clear,       // --clear CHANNEL, or --clear -P PATTERN
};

// What the options ask for once checked against each other. Throws
// Error(usage) for combinations that do not make sense.
struct PubPlan {
  InputMode mode = InputMode::arguments;
  std::string channel;                      // empty with --channel-field
  std::vector<std::string> messages;        // InputMode::arguments
  char separator = '\n';                    // lines and records
  std::optional<std::string> channel_field; // decoded
  std::optional<Fence> fence;               // --fenced, --fence
};

PubPlan plan_pub(const PubOptions& options);

// "\t", "\n", "\r", "\0", "\\", "\xHH" or plain bytes, as -d and
// --channel-field take them. Throws Error(usage) for a bad escape.
std::string decode_escapes(const std::string& text, const char* option);

} // namespace statesync::tools
