#pragma once
// Stream replies as entries: XRANGE's and XAUTOCLAIM's entry lists,
// XREAD's and XREADGROUP's per-stream lists.

#include <statesync/connection.hpp>
#include <statesync/stream_reader.hpp>

#include <string_view>
#include <vector>

namespace statesync::detail {

// Throws Error for an error reply (classified, naming `what` and where),
// Error(protocol) for a reply of the wrong shape. Entries deleted since
// they were delivered (nil fields) come with no fields and `deleted` set.
struct ReadEntry {
  StreamEntry entry;
  bool deleted = false;
};

// [[id, [field, value, ...]], ...] of `stream`, appended to `out`; the
// fields' strings are moved out of `list`, not copied.
void parse_entries(const Connection& from, std::string_view stream, Reply& list, std::vector<ReadEntry>& out);
std::vector<ReadEntry> parse_entries(const Connection& from, std::string_view stream, Reply& list);

// [[stream, entries], ...], or nil (nothing within BLOCK), appended to
// `out` (a vector reused from read to read allocates nothing more).
void parse_streams(const Connection& from, Reply& reply, std::vector<ReadEntry>& out);

// An error reply becomes Error naming what was asked of whom.
void throw_if_error(const Connection& from, std::string_view what, const Reply& reply);

[[noreturn]] void unexpected_reply(const Connection& from, std::string_view what, const Reply& reply);

} // namespace statesync::detail
