#pragma once
// Acknowledgements that count only once N replicas have the writes
// (StreamWindow::wait_replicas): a WAIT pipelined behind each half window
// of a pipeline, the replies before it held until it answers. A master
// demoted by a manual failover still takes writes until the Sentinels
// reconfigure it, but has no replica from the moment of the promotion: its
// WAITs fall short until the link follows the Sentinels' announcement
// (Link::check_failover), and are refused once it is demoted; either way
// what it took is sent again where the Sentinels point.

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/link.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>

namespace statesync::detail {

class ReplicaWait {
public:
  // `replicas` 0: nothing is waited for. The WAIT's own timeout is half
  // the reply timeout (at most a second): its answer comes before the
  // connection would give up on it. Falling short is given up after the
  // link's give-up time (none: never).
  ReplicaWait(int replicas, std::chrono::milliseconds reply_timeout,
              std::optional<std::chrono::milliseconds> give_up_after);

  bool enabled() const noexcept { return replicas_ > 0; }
  // Appends a WAIT (one reply owed).
  void append(Connection& connection) const;
  // The WAIT's reply. True: the writes before it are confirmed. False:
  // not yet; the caller appends another WAIT. Throws the failover to
  // follow when WAIT is refused (a demoted master) or the Sentinels name
  // another master (`link`), and Error(server), not to be followed, once
  // the replicas have fallen short for the give-up time.
  bool confirmed(const Reply& reply, const Connection& connection, Link& link);
  // Messages per WAIT in a window of `commands`.
  static std::size_t batch(std::size_t commands) noexcept { return commands / 2 > 0 ? commands / 2 : 1; }

private:
  int replicas_;
  std::string count_, timeout_;
  std::optional<std::chrono::milliseconds> give_up_after_;
  std::optional<Clock::time_point> short_since_;
};

} // namespace statesync::detail
