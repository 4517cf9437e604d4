#include <statesync/retained.hpp>

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

} // namespace statesync
