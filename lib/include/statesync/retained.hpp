#pragma once
// Retained state: the last message published with retain on a channel, kept
// in a Redis hash so any client can read it. One place defines the naming,
// shared by the publisher that writes it and the subscriber that reads it.
//
//   key:    <prefix>state:<channel>        (prefix default "statesync:")
//   fields: payload  the message, byte for byte
//           version  1, 2, 3 ...: increases by one per retained publish

#include <statesync/export.hpp>

#include <string>
#include <string_view>

namespace statesync {

inline constexpr std::string_view default_key_prefix = "statesync:";
inline constexpr std::string_view retained_payload_field = "payload";
inline constexpr std::string_view retained_version_field = "version";

STATESYNC_API std::string retained_state_key(std::string_view prefix, std::string_view channel);

struct RetainedState {
  std::string payload;
  long long version = 0;
};

} // namespace statesync
