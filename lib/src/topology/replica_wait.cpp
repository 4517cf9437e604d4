#include "topology/replica_wait.hpp"

#include "util/deadline.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace statesync::detail {

ReplicaWait::ReplicaWait(int replicas, std::chrono::milliseconds reply_timeout,
                         std::optional<std::chrono::milliseconds> give_up_after)
    : replicas_(replicas), count_(std::to_string(replicas)),
      timeout_(std::to_string(
          std::clamp(reply_timeout / 2, std::chrono::milliseconds(1), std::chrono::milliseconds(1000)).count())),
      give_up_after_(give_up_after) {}

void ReplicaWait::append(Connection& connection) const {
  connection.append({"WAIT", count_, timeout_});
}

bool ReplicaWait::confirmed(const Reply& reply, const Connection& connection, Link& link) {
  if (reply.type != Reply::Type::integer) {
    // "WAIT cannot be used with replica instances": a demoted master.
    throw Error(ErrorKind::unavailable, fmt::format("WAIT refused at {}: {}", connection.where(), reply.describe()));
  }
  if (reply.integer >= replicas_) {
    short_since_.reset();
    return true;
  }
  const auto now = Clock::now();
  if (!short_since_) {
    short_since_ = now;
  }
  if (give_up_after_ && now - *short_since_ >= *give_up_after_) {
    throw Error(ErrorKind::server, fmt::format("{} of {} replicas had the writes at {} for {}", reply.integer,
                                               replicas_, connection.where(), seconds_text(*give_up_after_)));
  }
  link.check_failover();
  return false;
}

} // namespace statesync::detail
