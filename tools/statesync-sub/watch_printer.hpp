#pragma once
// How statesync-sub --watch prints a key's change. A value as text is a
// string's bytes, a hash's field=value lines, another type's name in
// parentheses; that text is what the default output, -v (the key first) and
// -F's %p show and what --exec gives on standard input. --json prints
// {"key","event","type","value"} with the value as JSON (a hash as an
// object, a list or set as an array, a sorted set as [member, score]
// pairs). A deletion is never printed as a value: -F shows it through %e,
// --json through "event"; the default and -v outputs print nothing for it
// (the tool says so on standard error).

#include "message_printer.hpp"
#include "options.hpp"

#include <statesync/key_watcher.hpp>

#include <string>

namespace statesync::tools {

class WatchPrinter {
public:
  // Throws Error(usage) for a bad template.
  WatchPrinter(const SubOptions& options, bool colour);

  // Appends `change` as configured; false when nothing is printed for it
  // (a deletion, in the default and -v outputs).
  bool append(std::string& out, const KeyChange& change) const;

private:
  MessagePrinter text_;
  bool json_;
  bool shows_deletions_;
  std::string terminator_;
};

// The value as text (empty for a deletion).
std::string value_text(const KeyChange& change);

// A value as --json prints it in "value".
void append_watch_value_json(std::string& out, const KeyValue& value);

// One line naming a key or channel in a message, whatever bytes its name
// has (control bytes as \xNN).
std::string shown_name(const std::string& name);

// One JSON object (without terminator).
void append_watch_json(std::string& out, const KeyChange& change, SystemTime received);

} // namespace statesync::tools
