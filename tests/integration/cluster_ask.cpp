// A resumable record stream whose ASK target cannot be reached: the message
// stays unacknowledged and is sent again once the link has reconnected,
// instead of being dropped (its copy was taken before the ASK was followed).

#include "redis_cluster.hpp"

#include <statesync/cluster.hpp>
#include <statesync/link.hpp>
#include <statesync/publisher.hpp>

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
