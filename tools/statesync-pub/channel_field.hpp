#pragma once
// --channel-field: a record "CHANNEL SEP MESSAGE" names its own channel.

#include <optional>
#include <string_view>

namespace statesync::tools {

struct ChannelAndMessage {
  std::string_view channel;
  std::string_view message;
};

// Splits at the first separator (a channel cannot contain it; a message
// can); nullopt when the record has none.
inline std::optional<ChannelAndMessage> split_channel_field(std::string_view record, std::string_view separator) {
  const auto at = record.find(separator);
  if (at == std::string_view::npos) {
    return std::nullopt;
  }
  return ChannelAndMessage{record.substr(0, at), record.substr(at + separator.size())};
}

} // namespace statesync::tools
