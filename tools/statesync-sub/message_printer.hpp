#pragma once
// How statesync-sub prints one message: the payload (default), the channel
// and the payload (-v), a template (-F) or a JSON object (--json); then a
// newline, a NUL (-0) or nothing (-N). Appends to a buffer that the tool
// writes once per burst.

#include "common/terminal.hpp"
#include "format_template.hpp"
#include "options.hpp"

#include <statesync/stream_reader.hpp>
#include <statesync/subscriber.hpp>

#include <optional>
#include <string>

namespace statesync::tools {

class MessagePrinter {
public:
  // Throws Error(usage) for a bad template. `colour`: colour the channel
  // name of -v output (on a terminal without NO_COLOR).
  MessagePrinter(const SubOptions& options, bool colour);

  // `watch`: a watched key's event and type, for -F's %e and %y; `entry`:
  // the stream entry the message stands for (--stream), or null; with
  // --json it is printed as an entry.
  void append(std::string& out, const Message& message, const WatchFields& watch = {},
              const StreamEntry* entry = nullptr) const;
  void append(std::string& out, const Message& message, const StreamEntry* entry) const {
    append(out, message, {}, entry);
  }

private:
  enum class Style { payload, channel_and_payload, format, json };
  Style style_;
  std::optional<FormatTemplate> template_;
  std::string terminator_;
  bool colour_;
  bool pretty_; // --pretty: --json indented
  bool needs_time_;
};

// One JSON object (without terminator): channel, pattern, retained state's
// version, receive time, payload; a field whose bytes are not valid UTF-8
// becomes NAME_base64 with base64.
void append_json(std::string& out, const Message& message, SystemTime received);

// A reply to statesync-pub --request: host, exit status (null when the
// command timed out, with "timed_out":true), latency in ms, then as
// append_json.
void append_reply_json(std::string& out, const Message& message, SystemTime received, const ReplyFields& reply);

// `"name":"bytes"`, or `"name_base64":"..."` when the bytes are not UTF-8.
void append_json_field(std::string& out, std::string_view name, std::string_view bytes);

// A stream entry as {"stream":...,"id":...,"fields":{...}}, binary-safe
// the same way (a field's value that is not UTF-8: NAME_base64).
void append_entry_json(std::string& out, const StreamEntry& entry);

} // namespace statesync::tools
