// ASK mid-migration. A resumable record stream whose ASK target cannot be
// reached: the message stays unacknowledged and is sent again once the link
// has reconnected, instead of being dropped (its copy was taken before the
// ASK was followed). A stream writer whose key has moved to the importing
// node: the entries, and the trims behind them, follow it there in order.

#include "redis_cluster.hpp"

#include <statesync/cluster.hpp>
#include <statesync/link.hpp>
#include <statesync/publisher.hpp>
#include <statesync/stream_writer.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <thread>

using namespace statesync;
using statesync::testing::free_port;
using statesync::testing::RedisCluster;
using statesync::testing::RedisServer;

namespace {

std::string state_key(std::string_view channel) {
  return retained_state_key(default_key_prefix, channel);
}

// A channel whose state key lives on `owner`, in a slot other than `other`'s.
std::string channel_on(const RedisCluster& cluster, const Endpoint& owner, int other_slot) {
  for (int n = 0;; ++n) {
    std::string channel = "stay" + std::to_string(n);
    if (cluster.owner(state_key(channel)).where() == owner.where() && key_slot(state_key(channel)) != other_slot) {
      return channel;
    }
  }
}

// Bounded: a node the source never learns of fails the test.
void wait_until_known(Connection& source, const std::string& node_id) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    const std::string nodes = source.command({"CLUSTER", "NODES"}).str;
    const auto line = nodes.find(node_id);
    if (line != std::string::npos && nodes.find("handshake", line) > nodes.find('\n', line)) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the source never learnt of the new node");
}

} // namespace

TEST_CASE("a resumable stream keeps a message whose ASK target cannot be reached, and sends it again") {
  RedisCluster cluster;
  const std::string moving = "moving";
  const int slot = key_slot(state_key(moving));
  const Endpoint owner = cluster.owner(state_key(moving));
  Endpoint plain_owner = owner;
  plain_owner.topology = Topology::standalone;
  Connection source = Connection::open(plain_owner, "statesync-test");

  // A node the source knows, that owns no slot (so no slot map names it),
  // then stopped: the slot migrates to it, and its ASK cannot be followed.
  const int bus_port = free_port();
  RedisServer gone(
      {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", std::to_string(bus_port)});
  const std::string gone_id = Connection::open(gone.endpoint(), "statesync-test").command({"CLUSTER", "MYID"}).str;
  REQUIRE(
      source.command({"CLUSTER", "MEET", "127.0.0.1", std::to_string(gone.endpoint().port), std::to_string(bus_port)})
          .is_status("OK"));
  wait_until_known(source, gone_id);
  REQUIRE(source.command({"CLUSTER", "SETSLOT", std::to_string(slot), "MIGRATING", gone_id}).is_status("OK"));
  gone.stop();

  Link link(cluster.seed(), "publisher");
  // Once the link has reconnected, the migration is called off: the
  // message sent again is answered by its owner.
  link.on_reconnect([&] {
    REQUIRE(source.command({"CLUSTER", "SETSLOT", std::to_string(slot), "STABLE"}).is_status("OK"));
  });
  RecordStream stream(link, {}, [](const Acknowledgement&) {});
  // The first message on a node goes alone; the second is pipelined, and
  // its reply is the ASK.
  stream.retain(channel_on(cluster, owner, slot), "first");
  stream.retain(moving, "second");
  stream.finish();

  CHECK(stream.sent() == 2);
  CHECK(stream.acknowledged() == 2);
  CHECK(link.generation() == 1);
  CHECK(source.command({"HGET", state_key(moving), "payload"}).str == "second");
}

TEST_CASE("a stream writer follows ASK: entries for a key moved mid-migration land on the importing node, in order") {
  RedisCluster cluster;
  const auto names = cluster.names_on_every_master("events");
  const std::string& key = names[0];
  const std::string slot = std::to_string(key_slot(key));
  Endpoint from = cluster.owner(key);
  Endpoint to = cluster.owner(names[1]);
  from.topology = to.topology = Topology::standalone;
  Connection source = Connection::open(from, "statesync-test");
  Connection target = Connection::open(to, "statesync-test");
  const std::string source_id = source.command({"CLUSTER", "MYID"}).str;
  const std::string target_id = target.command({"CLUSTER", "MYID"}).str;

  StreamWriterOptions options;
  // Both limits: an XTRIM follows every XADD, and is ASKed with it.
  options.trim.max_length = 1000;
  options.trim.max_age = std::chrono::hours(1);
  std::uint64_t acks = 0;
  StreamWriter writer(cluster.seed(), "writer", options, [&](const Acknowledgement&) { ++acks; });
  const auto add = [&](int first, int last) {
    for (int n = first; n < last; ++n) {
      writer.publish(key, "e" + std::to_string(n));
    }
    writer.finish();
  };
  add(0, 100);

  // The key moves on, its slot half-way: the source answers ASK for it.
  REQUIRE(target.command({"CLUSTER", "SETSLOT", slot, "IMPORTING", source_id}).is_status("OK"));
  REQUIRE(source.command({"CLUSTER", "SETSLOT", slot, "MIGRATING", target_id}).is_status("OK"));
  REQUIRE(source.command({"MIGRATE", to.host, std::to_string(to.port), key, "0", "5000"}).is_status("OK"));
  add(100, 200);

  CHECK(writer.acknowledged() == 200);
  CHECK(acks == 200);
  REQUIRE(target.command({"CLUSTER", "SETSLOT", slot, "NODE", target_id}).is_status("OK"));
  REQUIRE(source.command({"CLUSTER", "SETSLOT", slot, "NODE", target_id}).is_status("OK"));
  const Reply entries = target.command({"XRANGE", key, "-", "+"});
  REQUIRE(entries.elements.size() == 200);
  for (std::size_t n = 0; n < entries.elements.size(); ++n) {
    CHECK(entries.elements[n].elements[1].elements[1].str == "e" + std::to_string(n));
  }
}
