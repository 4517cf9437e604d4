#pragma once
// Versions for live retained updates. A retained publish first publishes
// the new version (or "clear") on the channel's version channel, then the
// payload on the channel itself, in one script (see retained.hpp). A -R
// subscriber subscribes to both in one transaction; since the two messages
// go out back to back on its one connection, the version it receives is
// the one of the message that follows on the same channel (and pattern).
// Subscribers that are not statesync get the payload as it is.

#include <statesync/subscriber.hpp>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

namespace statesync::detail {

class VersionPairing {
public:
  VersionPairing(std::string_view key_prefix, SubscriptionMode mode);

  // The version channel (pattern, in patterns mode) that goes with `name`;
  // remembered, so that messages arriving through it are recognised.
  std::string companion(std::string_view name);

  // A message that came through a companion is kept for the next message
  // on its channel and pattern: true, the caller drops it. Any other gets
  // the version (or `cleared`) kept for it, if one is: false.
  bool absorb(Message& message);

  // After a reconnect: versions whose message never came are stale.
  void reset() noexcept { pending_.clear(); }

private:
  std::string channel_prefix_; // <prefix>version:
  std::string name_prefix_;    // the same, glob-escaped in patterns mode
  bool patterns_;
  std::set<std::string, std::less<>> companions_;
  // (pattern, channel) -> the version or "clear" published before it.
  std::map<std::pair<std::string, std::string>, std::string> pending_;
};

} // namespace statesync::detail
