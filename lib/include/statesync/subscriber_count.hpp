#pragma once
// How many clients listen on a channel, for a publisher that must not
// publish into the void (statesync-pub --wait-subscribers).

#include <statesync/connection.hpp>
#include <statesync/export.hpp>

#include <string_view>

namespace statesync {

// The clients subscribed to `channel` on the connected server now: PUBSUB
// NUMSUB, or SHARDNUMSUB with `sharded`. Pattern subscriptions are not
// counted (Redis counts them for no channel). Throws Error as a command
// does.
STATESYNC_API long long count_subscribers(Connection& connection, std::string_view channel, bool sharded);

// Asks count_subscribers every 50 ms until it reaches `wanted`, `deadline`
// passes, or the wait is interrupted (a signal, or `wake_fd` readable);
// returns the last count. Blocks the calling thread.
STATESYNC_API long long wait_for_subscribers(Connection& connection, std::string_view channel, bool sharded,
                                             long long wanted, Clock::time_point deadline, int wake_fd = -1);

} // namespace statesync
