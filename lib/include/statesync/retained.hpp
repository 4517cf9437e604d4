#pragma once
// Retained state: the last message published with retain on a channel, kept
// in a Redis hash so any client can read it. One place defines the naming,
// shared by the publisher that writes it and the subscriber that reads it.
//
//   key:    <prefix>state:<channel>        (prefix default "statesync:")
//   fields: payload  the message, byte for byte
//           version  1, 2, 3 ...: increases by one per retained publish
//   index:  <prefix>retained               a sorted set of the channels that
//           have a state (all scores 0), which -R -P reads instead of the
//           keyspace; none in a cluster (-R -P is refused there)
//   versions: <prefix>version:<channel>    a retained publish first
//           publishes the version there ("clear" for a clear), so that a
//           -R subscriber of both pairs it with the message that follows

#include <statesync/connection.hpp>
#include <statesync/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace statesync {

// The names of the layout above; each function builds a name, no I/O.
inline constexpr std::string_view default_key_prefix = "statesync:";  // the tools' --key-prefix default
inline constexpr std::string_view retained_payload_field = "payload"; // the state hash's message field
inline constexpr std::string_view retained_version_field = "version"; // the state hash's version field

STATESYNC_API std::string retained_state_key(std::string_view prefix,
                                             std::string_view channel); // \<prefix\>state:\<channel\>
STATESYNC_API std::string retained_index_key(std::string_view prefix);  // \<prefix\>retained
STATESYNC_API std::string retained_version_channel(std::string_view prefix,
                                                   std::string_view channel); // \<prefix\>version:\<channel\>

// A channel's retained state as read.
struct STATESYNC_API RetainedState {
  std::string payload;   // the message, byte for byte
  long long version = 0; // 1, 2, 3 ...
};

// Reads `channel`'s retained state once: nullopt when none is retained (or
// it was cleared, or has expired). Blocks for one round trip, bounded by
// the connection's reply timeout. In a cluster a MOVED reply is followed as
// Publisher follows it: `connection` is replaced by one to the owner of the
// state's slot. Throws Error: the server's error reply (WRONGTYPE when the
// key holds something else), unavailable, or protocol for a malformed
// state. One thread at a time per connection.
STATESYNC_API std::optional<RetainedState> read_retained_state(Connection& connection, std::string_view channel,
                                                               std::string_view key_prefix = default_key_prefix);

} // namespace statesync
