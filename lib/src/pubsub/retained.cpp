#include <statesync/retained.hpp>

#include "protocol/script.hpp"
#include "pubsub/subscriber_protocol.hpp"

namespace statesync {

std::string retained_state_key(std::string_view prefix, std::string_view channel) {
  std::string key;
  key.reserve(prefix.size() + 6 + channel.size());
  key.append(prefix).append("state:").append(channel);
  return key;
}

std::string retained_index_key(std::string_view prefix) {
  return std::string(prefix).append("retained");
}

std::string retained_version_channel(std::string_view prefix, std::string_view channel) {
  return std::string(prefix).append("version:").append(channel);
}

std::optional<RetainedState> read_retained_state(Connection& connection, std::string_view channel,
                                                 std::string_view key_prefix) {
  const std::string key = retained_state_key(key_prefix, channel);
  const std::string_view command[] = {"HMGET", key, retained_payload_field, retained_version_field};
  auto state = detail::retained_state(detail::call(connection, command), channel, key);
  if (!state) {
    return std::nullopt;
  }
  return RetainedState{std::move(state->payload), state->version.value_or(0)};
}

} // namespace statesync
