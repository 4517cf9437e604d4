#pragma once
// Stream replies as entries: XRANGE's and XAUTOCLAIM's entry lists,
// XREAD's and XREADGROUP's per-stream lists.

#include <statesync/connection.hpp>
#include <statesync/stream_reader.hpp>

#include <functional>
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

// One entry of a reply: its ID and its [field, value, ...] replies, to
// move from (nullptr for an entry deleted since it was delivered).
using TakeEntry = std::function<void(const StreamId& id, std::vector<Reply>* fields)>;
using TakeStreamEntry = std::function<void(std::string_view stream, const StreamId& id, std::vector<Reply>* fields)>;

// [[id, [field, value, ...]], ...]: `take` for each entry in order. The
// reader's hot path: an entry goes straight where it is wanted.
void for_each_entry(const Connection& from, Reply& list, const TakeEntry& take);
// XREAD's and XREADGROUP's [[stream, entries], ...], or nil (nothing
// within BLOCK).
void for_each_stream_entry(const Connection& from, Reply& reply, const TakeStreamEntry& take);
// The strings of `fields` moved into `entry`'s fields.
void move_fields(std::vector<Reply>& fields, StreamEntry& entry);

// [[id, [field, value, ...]], ...] of `stream`, as entries.
std::vector<ReadEntry> parse_entries(const Connection& from, std::string_view stream, Reply& list);

// An error reply becomes Error naming what was asked of whom.
void throw_if_error(const Connection& from, std::string_view what, const Reply& reply);

// Throws unexpected_reply() (protocol/unexpected_reply.hpp) for `from`.
[[noreturn]] void unexpected_reply(const Connection& from, std::string_view what, const Reply& reply);

} // namespace statesync::detail
