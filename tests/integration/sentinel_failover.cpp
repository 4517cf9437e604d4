// The library alone through a Sentinel failover, manual and of a killed
// master: a record stream finishes with every message acknowledged and
// each on the new master, in order; a Subscriber subscribes again.

#include "delivery_checks.hpp"
#include "redis_sentinel.hpp"
#include "wait.hpp"

#include <statesync/link.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>
#include <statesync/subscriber.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace statesync;
using namespace statesync::testing;

namespace {

// Messages per channel: acknowledged before the failover, in flight at
// it, published after it.
constexpr int before = 400;
constexpr int in_flight = 100;
constexpr int after = 500;
constexpr int per_channel = before + in_flight + after;

// Every channel's retained version on the master is `version`: the
// master has taken every message sent so far.
bool master_took(const RedisSentinelGroup& group, const std::vector<std::string>& channels, int version) {
  Connection connection = Connection::open(group.master(), "checker");
  for (const auto& channel : channels) {
    const auto state = read_retained_state(connection, channel);
    if (!state || state->version != version) {
      return false;
    }
  }
  return true;
}

void run_through_failover(RedisSentinelGroup::Failover how) {
  RedisSentinelGroup group;
  const std::vector<std::string> channels = {"alpha", "beta"};
  SubscriberOptions subscribed;
  subscribed.endpoint = group.endpoint();
  subscribed.client_name = "subscriber";
  subscribed.names = channels;
  Subscriber subscriber(subscribed);
  Link link(group.endpoint(), "stream");
  std::vector<std::uint64_t> acks;
  RecordStream stream(link, {}, [&](const Acknowledgement& ack) { acks.push_back(ack.message); });
  NumberedMessages messages{channels};

  messages.retain(stream, before);
  stream.finish();
  // What the old master acknowledged and its replica never got is Redis's
  // loss (asynchronous replication), not the library's: not tested here.
  wait_until([&] { return group.replica_caught_up(); }, "the replica to catch up");
  if (how == RedisSentinelGroup::Failover::killed) {
    // Frozen, the master takes none of these: they are in flight, written
    // but unacknowledged, when it dies, and must be sent again.
    group.freeze_master();
    messages.retain(stream, in_flight);
    stream.send();
  } else {
    // Taken by the master, their replies unread when the Sentinels
    // reconfigure it (and close its clients' connections).
    messages.retain(stream, in_flight);
    stream.send();
    wait_until([&] { return master_took(group, channels, before + in_flight) && group.replica_caught_up(); },
               "the master to take the messages in flight");
  }
  const Endpoint master = group.failover(how);
  RawSubscriber raw(master, channels, "SUBSCRIBE");

  messages.retain(stream, after);
  stream.finish();

  const std::uint64_t total = per_channel * channels.size();
  check_all_acknowledged(stream, acks, total);
  const int first_at_new_master = how == RedisSentinelGroup::Failover::killed ? before : before + in_flight;
  for (const auto& channel : channels) {
    CAPTURE(channel);
    raw.read_until(channel, per_channel - 1);
    check_in_order_at_least_once(raw.received[channel], first_at_new_master, per_channel - 1);
    check_retained(master, channel, per_channel);
  }
  check_subscribes_again(subscriber, "alpha", "after the failover", [&] {
    Connection::open(master, "publisher").command({"PUBLISH", "alpha", "after the failover"});
  });
}

} // namespace

TEST_CASE("a record stream and a subscriber go on through a manual Sentinel failover") {
  run_through_failover(RedisSentinelGroup::Failover::manual);
}

TEST_CASE("a record stream and a subscriber go on when the Sentinels replace a killed master") {
  run_through_failover(RedisSentinelGroup::Failover::killed);
}
