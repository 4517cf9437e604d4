#pragma once
// How one server tells the watcher which keys changed: a listener
// connection that receives the news, and a reader connection that the
// values are read through.
//
// Preferably client-side caching: the listener subscribes to
// __redis__:invalidate and the reader turns CLIENT TRACKING on with
// REDIRECT to it, in the default mode for exact keys (the server then
// tracks what the reader reads) or BCAST with the patterns' literal
// prefixes. Where the server refuses tracking, keyspace notifications if
// it has them enabled: the listener PSUBSCRIBEs to the keys' channels.

#include "watch/watch_link.hpp"

#include <statesync/connection.hpp>
#include <statesync/reply.hpp>

#include <optional>
#include <string>
#include <vector>

namespace statesync::detail {

// What one pushed message says changed.
struct Invalidation {
  bool everything = false; // FLUSHALL, FLUSHDB
  std::vector<std::string> keys;
};

// What to listen for at one server.
struct FeedRequest {
  std::vector<std::string> keys;     // exact keys this server serves
  std::vector<std::string> patterns; // glob patterns (at every server)
};

class ChangeFeed {
public:
  // Opens both connections and starts listening. Throws Error: refused or
  // unavailable with a message saying what to enable when neither tracking
  // nor notifications can be had, and as a connection does.
  static ChangeFeed open(WatchLink& link, const Endpoint& node, const FeedRequest& request);

  Connection& listener() noexcept { return listener_; }
  Connection& reader() noexcept { return reader_; }
  bool notifications() const noexcept { return notifications_; }

  // What a message received on the listener says changed; nothing for a
  // subscription's confirmation. Throws Error for an error reply, and
  // Error(protocol) for what a listener should not receive.
  std::optional<Invalidation> read(Reply& reply) const;

private:
  ChangeFeed(Connection listener, Connection reader, bool notifications, std::string channel_prefix);
  Connection listener_;
  Connection reader_;
  bool notifications_;
  std::string channel_prefix_; // notifications: "__keyspace@DB__:"
};

// The prefixes to track in broadcasting mode for these keys and patterns:
// the patterns' literal prefixes and the keys, without any that another
// one covers (Redis refuses overlapping prefixes). Empty when a pattern
// has no literal prefix (everything is tracked then).
std::vector<std::string> tracking_prefixes(const FeedRequest& request);

} // namespace statesync::detail
