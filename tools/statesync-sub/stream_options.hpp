#pragma once
// statesync-sub --stream: reading Redis Streams instead of channels. The
// options, and the library reader's options they make.

#include <statesync/stream_reader.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace statesync::tools {

struct SubOptions;

struct SubStreamArgs {
  bool enabled = false; // the CHANNEL arguments are stream keys
  std::string field{"payload"};
  std::string from{"$"};
  std::optional<std::string> until;
  bool exit_at_end = false;
  std::optional<std::string> resume; // the resume file
  std::optional<std::string> group;
  std::string group_start{"$"};
  std::optional<std::string> consumer;
  std::optional<double> claim_idle; // seconds
  std::optional<long long> max_deliveries;
  std::optional<std::string> dead_letter;
};

void add_sub_stream_options(CLI::App& app, SubStreamArgs& args);

// The first stream option given ("--stream", "--from", ...), or nullptr:
// for the modes that read no stream and must refuse them.
const char* given_stream_option(const SubStreamArgs& args);

// Throws Error(usage) for stream options without --stream, and for those
// that do not go together.
void check_stream_options(const SubOptions& options);

// The reader's options (without the resume points: see ResumeFile).
StreamReaderOptions stream_reader_options(const SubOptions& options);

} // namespace statesync::tools
