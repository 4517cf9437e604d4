#pragma once
// Redis Stream entry IDs ("<milliseconds>-<sequence>") as values that
// compare, and the start points a reader takes: "$", "0", an ID, "-N",
// "@TIME".

#include <statesync/export.hpp>

#include <chrono>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace statesync {

// A stream entry's ID: milliseconds, then a sequence number. Plain data.
struct STATESYNC_API StreamId {
  std::uint64_t ms = 0;  // the server's Unix time in ms when it was added (for "*")
  std::uint64_t seq = 0; // the sequence within that millisecond

  // "1700000000000-3", or "1700000000000" (sequence 0). Throws
  // Error(usage) for anything else, its message starting "WHAT: " when
  // `what` (the option or place the text came from) is given.
  static StreamId parse(std::string_view text, std::string_view what = {});
  // The smallest ID at or after `time` (its millisecond, sequence 0).
  static StreamId at(std::chrono::system_clock::time_point time);

  std::string str() const; // "ms-seq"
  // The ID just before this one (0-0 stays 0-0): reading "after" it
  // includes this one.
  StreamId previous() const noexcept;

  auto operator<=>(const StreamId&) const = default; // the stream's order
};

// Where a reader starts in each stream.
struct STATESYNC_API StreamStart {
  // Which start.
  enum class Kind {
    new_entries, // "$": only entries added from now on
    after,       // "0", an ID: the entries after `id` ("0": all)
    last,        // "-N": the last `count` entries, then new ones
  };
  Kind kind = Kind::new_entries; // which start
  StreamId id;                   // after: the ID
  std::uint64_t count = 0;       // last: how many
};

// Parses "$", "0", an ID, "-N" or "@TIME" (@ followed by Unix seconds,
// fractions allowed, or an ISO 8601 time: 2026-11-29T19:00:00Z, with an
// offset such as +01:00, or without one for UTC). An ID given is the
// first one wanted: the start is just before it. Throws Error(usage).
STATESYNC_API StreamStart parse_stream_start(std::string_view text);

// Parses "ID" or "@TIME" as the last entry wanted (the whole millisecond
// of a time). Throws Error(usage).
STATESYNC_API StreamId parse_stream_until(std::string_view text);

// "@TIME" without the "@": Unix seconds or ISO 8601. Throws Error(usage).
STATESYNC_API std::chrono::system_clock::time_point parse_time(std::string_view text);

} // namespace statesync
