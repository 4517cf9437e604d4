#include "util/deadline.hpp"

#include <statesync/error.hpp>
#include <statesync/subscriber_count.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace statesync {

long long count_subscribers(Connection& connection, std::string_view channel, bool sharded) {
  const std::array<std::string_view, 3> args{"PUBSUB", sharded ? "SHARDNUMSUB" : "NUMSUB", channel};
  const Reply reply = connection.command(args);
  if (reply.is_error()) {
    throw Error(reply, fmt::format("cannot count the subscribers of '{}' at {}", channel, connection.where()));
  }
  // {channel, count}
  if (reply.type != Reply::Type::array || reply.elements.size() != 2 ||
      reply.elements[1].type != Reply::Type::integer) {
    throw Error(ErrorKind::protocol,
                fmt::format("unexpected reply to PUBSUB from {}: {}", connection.where(), reply.describe()));
  }
  return reply.elements[1].integer;
}

long long wait_for_subscribers(Connection& connection, std::string_view channel, bool sharded, long long wanted,
                               Clock::time_point deadline, int wake_fd) {
  using namespace std::chrono_literals;
  for (;;) {
    const long long count = count_subscribers(connection, channel, sharded);
    if (count >= wanted || Clock::now() >= deadline) {
      return count;
    }
    // Redis tells no one when a client subscribes: asking again is all
    // there is.
    const auto until = std::min(deadline, Clock::now() + 50ms);
    if (detail::wait_fd(-1, 0, until, wake_fd) == detail::Readiness::interrupted && Clock::now() < until) {
      return count;
    }
  }
}

} // namespace statesync
