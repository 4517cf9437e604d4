#pragma once
// The Sentinels' announcement that the master has moved (+switch-master),
// listened to as Jedis's sentinel pool does. A manual SENTINEL FAILOVER
// promotes the replica at once but demotes the old master only seconds
// later, and until then it acknowledges writes that its resync discards: a
// writer learns of the failover from the announcement (about a second),
// not from the demotion.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <cstddef>
#include <optional>
#include <string>

namespace statesync::detail {

class SentinelWatch {
public:
  SentinelWatch(Endpoint endpoint, std::string client_name);

  // The master the Sentinels name when it is not `connected`: announced
  // since the last look, or named when the subscription was (re)made
  // (what was announced in the gap is missed). Looks at most every few
  // milliseconds, without waiting. A Sentinel that cannot be reached or
  // drops the subscription is replaced by the next one at a later look;
  // never throws for the Sentinels' sake.
  std::optional<HostPort> moved_from(const Endpoint& connected);

private:
  void subscribe();
  void read_announcements();

  Endpoint endpoint_;
  std::string client_name_;
  std::optional<Connection> subscription_;
  std::size_t next_sentinel_ = 0;
  std::optional<HostPort> named_; // the master as the Sentinels last said
  Clock::time_point next_look_{};
};

} // namespace statesync::detail
