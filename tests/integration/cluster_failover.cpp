// The library alone through a Redis Cluster failover (a master killed, its
// replica promoted): a record stream with channels on every master
// finishes with every message acknowledged and each on its slot's owner,
// in order; a Subscriber of sharded channels subscribes again.

#include "delivery_checks.hpp"
#include "redis_cluster.hpp"
#include "wait.hpp"

#include <statesync/link.hpp>
#include <statesync/publisher.hpp>
#include <statesync/subscriber.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace statesync;
using namespace statesync::testing;

TEST_CASE("a cluster record stream and a sharded subscriber go on when a replica replaces a killed master") {
  // Messages per channel: acknowledged before the failover, in flight at
  // it, published after it.
  constexpr int before = 300;
  constexpr int in_flight = 70;
  constexpr int after = 300;
  constexpr int per_channel = before + in_flight + after;

  RedisCluster cluster(true);
  // Hash tags: a retained sharded channel's state lives in its slot.
  const auto channels = cluster.names_on_every_master("{c", "}");
  const std::string& victim = channels.front();
  SubscriberOptions subscribed;
  subscribed.endpoint = cluster.seed();
  subscribed.client_name = "subscriber";
  subscribed.mode = SubscriptionMode::sharded;
  subscribed.names = channels;
  Subscriber subscriber(subscribed);
  Link link(cluster.seed(1), "stream");
  std::vector<std::uint64_t> acks;
  RecordStream stream(link, {.sharded = true}, [&](const Acknowledgement& ack) { acks.push_back(ack.message); });
  NumberedMessages messages{channels};

  messages.retain(stream, before);
  stream.finish();
  // What a master acknowledged and its replica never got is Redis's loss
  // (asynchronous replication), not the library's: not tested here.
  wait_until([&] { return cluster.replicas_caught_up(); }, "the replicas to catch up");
  // Frozen, the victim takes none of its channel's next messages: they are
  // in flight, written but unacknowledged, when it dies, and must be sent
  // again to its replica; the other masters take theirs.
  cluster.freeze_owner(victim);
  messages.retain(stream, in_flight);
  stream.send();
  const Endpoint promoted = cluster.kill_owner(victim);
  std::vector<RawSubscriber> raw;
  for (const auto& channel : channels) {
    raw.emplace_back(cluster.owner(channel), std::vector<std::string>{channel}, "SSUBSCRIBE");
  }

  messages.retain(stream, after);
  stream.finish();

  const std::uint64_t total = per_channel * channels.size();
  check_all_acknowledged(stream, acks, total);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    const std::string& channel = channels[i];
    CAPTURE(channel);
    raw[i].read_until(channel, per_channel - 1);
    // The victim's channel: from its first message in flight; the others'
    // owners took those before the failover.
    check_in_order_at_least_once(raw[i].received[channel], channel == victim ? before : before + in_flight,
                                 per_channel - 1);
    check_retained(cluster.owner(channel), channel, per_channel);
  }
  check_subscribes_again(subscriber, victim, "after the failover", [&] {
    Connection::open(promoted, "publisher").command({"SPUBLISH", victim, "after the failover"});
  });
}
