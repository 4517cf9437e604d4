#include "pubsub/version_pairing.hpp"

#include "pubsub/subscriber_protocol.hpp"

#include <statesync/retained.hpp>

#include <charconv>

namespace statesync::detail {

VersionPairing::VersionPairing(std::string_view key_prefix, SubscriptionMode mode)
    : channel_prefix_(retained_version_channel(key_prefix, "")),
      name_prefix_(mode == SubscriptionMode::patterns ? glob_escape(channel_prefix_) : channel_prefix_),
      patterns_(mode == SubscriptionMode::patterns) {}

std::string VersionPairing::companion(std::string_view name) {
  std::string result = name_prefix_ + std::string(name);
  companions_.insert(result);
  return result;
}

bool VersionPairing::absorb(Message& message) {
  const std::string& through = patterns_ ? message.pattern : message.channel;
  if (companions_.contains(through) && message.channel.starts_with(channel_prefix_)) {
    std::string pattern = patterns_ ? message.pattern.substr(name_prefix_.size()) : std::string();
    pending_[{std::move(pattern), message.channel.substr(channel_prefix_.size())}] = std::move(message.payload);
    return true;
  }
  const auto kept = pending_.find({message.pattern, message.channel});
  if (kept == pending_.end()) {
    return false;
  }
  const std::string& word = kept->second;
  long long version = 0;
  if (word == "clear") {
    message.cleared = true;
  } else if (std::from_chars(word.data(), word.data() + word.size(), version).ptr == word.data() + word.size()) {
    message.version = version;
  }
  pending_.erase(kept);
  return false;
}

} // namespace statesync::detail
