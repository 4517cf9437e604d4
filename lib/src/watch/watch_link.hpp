#pragma once
// What the key watcher takes from the link of its endpoint: the servers
// keys are tracked at (the one server, the master the Sentinels name now,
// or each cluster master with the keys of its slots), connections of the
// watcher's own there, and the link's policy for getting back after a gap.
// The one place that knows how the watcher reaches the link.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/link.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace statesync::detail {

// One server to track at, and the exact keys it serves.
struct WatchPlacement {
  Endpoint node;
  std::vector<std::string> keys;
};

class WatchLink {
public:
  explicit WatchLink(LinkOptions options);

  // Every server keys are tracked at, each with the keys it serves; in a
  // cluster every master (patterns are tracked at each). Asked anew at
  // each call, so that a failover or a slot move is followed by whoever
  // asks again. Throws Error(unavailable) when a slot has no owner.
  std::vector<WatchPlacement> placements(const std::vector<std::string>& keys);

  // A connection of the watcher's own to `node` (the link does not use it).
  Connection open(const Endpoint& node);

  // Cluster only: whether the slot map is still the one placements() read
  // (a slot that moves while its keys do not change goes unnoticed
  // otherwise). Always true for one server.
  bool map_unchanged();

  // After a gap (`error`): the link's reconnect policy, as Link::recover,
  // except that its waits also end at `deadline` (false then, as when the
  // wake fd ends one). A MOVED makes a link named as one server a
  // cluster's.
  bool recover(const Error& error, std::optional<Clock::time_point> deadline);
  void progress() noexcept { link_.progress(); }
  // Called as Link::on_reconnect: a failure there is one more failed
  // attempt, within the same give-up time.
  void on_reconnect(std::function<void()> callback) { link_.on_reconnect(std::move(callback)); }

  const Endpoint& endpoint() const noexcept { return link_.endpoint(); }
  void set_wake_fd(int fd) noexcept { link_.set_wake_fd(fd); }

private:
  Link link_;
  std::string map_fingerprint_;
};

} // namespace statesync::detail
