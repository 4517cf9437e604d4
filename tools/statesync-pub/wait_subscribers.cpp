#include "wait_subscribers.hpp"

#include "common/duration.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>
#include <statesync/subscriber_count.hpp>

#include <fmt/format.h>

namespace statesync::tools {

void check_wait_subscribers(const PubOptions& options, const PubPlan& plan, bool cluster) {
  if (!options.wait_subscribers) {
    return;
  }
  if (plan.channel.empty()) {
    throw Error(ErrorKind::usage, "--wait-subscribers needs one CHANNEL, not --channel-field");
  }
  if (cluster && !options.sharded) {
    // PUBSUB NUMSUB counts one node's subscribers; a cluster's plain
    // channels have theirs on every node.
    throw Error(ErrorKind::usage, "--wait-subscribers in a cluster needs --sharded (the channel's node counts them)");
  }
}

void wait_subscribers(const PubOptions& options, const PubPlan& plan, Connection& connection) {
  if (!options.wait_subscribers) {
    return;
  }
  const long long wanted = *options.require_subscribers;
  const auto deadline = Clock::now() + to_milliseconds(*options.wait_subscribers);
  const long long count =
      wait_for_subscribers(connection, plan.channel, options.sharded, wanted, deadline, signal_fd());
  report_verbose(fmt::format("{} of {} subscriber{} on '{}'{}", count, wanted, wanted == 1 ? "" : "s", plan.channel,
                             count >= wanted ? "" : "; publishing anyway"));
}

} // namespace statesync::tools
