#pragma once
// statesync-sub's options, defined once for the tool and its generated docs.

#include "mirror_options.hpp"
#include "reply_options.hpp"
#include "stream_options.hpp"
#include "watch_options.hpp"

#include "common/connection_options.hpp"
#include "readiness.hpp"

#include <statesync/link.hpp>
#include <statesync/retained.hpp>

#include <CLI/CLI.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

struct SubOptions {
  ConnectionArgs connection;
  std::vector<std::string> channels; // or patterns with -P
  bool patterns = false;
  bool sharded = false;
  std::optional<long long> count;
  std::optional<double> wait;
  std::optional<double> idle;
  bool no_newline = false;
  bool null = false;
  std::optional<std::string> format;
  bool json = false;
  bool retained = false;
  bool retained_only = false;          // print the retained states, then exit (-R implied)
  std::vector<std::string> filter_out; // -T: glob patterns of channels not shown
  bool pretty = false;                 // --json indented
  bool no_reconnect = false;
  std::optional<double> give_up;
  std::optional<double> keepalive;
  bool exec = false;
  bool live = false;
  std::vector<std::string> command; // --exec: the words after "--"
  std::string key_prefix{default_key_prefix};
  ReadinessOptions ready; // --ready-file, --ready-fd
  WatchArgs watch;        // --watch: the channels are keys
  SubStreamArgs stream;   // --stream: the channels are stream keys
  ReplyArgs reply;        // --reply: answer requests
  MirrorArgs mirror;      // --to-file, --to-dir: files that mirror the state
};

std::unique_ptr<CLI::App> make_sub_app(SubOptions& options);

// With --exec, the words after the first "--" are the command, not
// channels: splits them off before CLI11 parses the rest. Returns the argc
// to parse; the command words go to `options.command`.
int split_command(int argc, char** argv, SubOptions& options);

// Checks what CLI11 cannot: combinations of options, and the command.
// Throws Error(usage).
void check_options(SubOptions& options);

// How a subscriber or a responder stays connected: --no-reconnect,
// --give-up and --keepalive, as the library takes them.
struct StayingConnected {
  ReconnectPolicy reconnect;
  std::optional<std::chrono::milliseconds> keepalive;
};
StayingConnected staying_connected(const SubOptions& options);

} // namespace statesync::tools
