#pragma once
// Retained state: the last message published with retain on a channel, kept
// in a Redis hash so any client can read it. One place defines the naming,
// shared by the publisher that writes it and the subscriber that reads it.
//
//   key:    <prefix>state:<channel>        (prefix default "statesync:")
//   fields: payload  the message, byte for byte
//           version  1, 2, 3 ...: increases by one per retained publish

#include <statesync/connection.hpp>
#include <statesync/export.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace statesync {

inline constexpr std::string_view default_key_prefix = "statesync:";
inline constexpr std::string_view retained_payload_field = "payload";
inline constexpr std::string_view retained_version_field = "version";

STATESYNC_API std::string retained_state_key(std::string_view prefix, std::string_view channel);

struct STATESYNC_API RetainedState {
  std::string payload;
  long long version = 0;
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
