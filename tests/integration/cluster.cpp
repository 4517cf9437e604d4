// The library against a real three-master Redis Cluster: a MOVED reply
// followed, a cluster stream's messages on their slots' owners in each
// channel's order, and a lock on its slot's owner.

#include "delivery_checks.hpp"
#include "listener.hpp"
#include "redis_cluster.hpp"

#include <statesync/cluster.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/publisher.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using namespace statesync;
using statesync::testing::check_all_acknowledged;
using statesync::testing::Listener;
using statesync::testing::RedisCluster;

TEST_CASE("a cluster's MOVED is followed, and the connection learns it talks to a cluster") {
  RedisCluster cluster;
  Endpoint plain = cluster.seed();
  plain.topology = Topology::standalone;
  const auto channels = cluster.names_on_every_master("c");
  const std::string channel = *std::find_if(channels.begin(), channels.end(), [&](const std::string& c) {
    return cluster.owner(c).where() != plain.where();
  });
  const Endpoint owner = cluster.owner(channel);
  Listener listener(owner, channel, "SSUBSCRIBE");

  Link link(plain, "publisher");
  Publisher publisher(link, {.sharded = true});
  CHECK(publisher.publish(channel, "moved") == 1);
  CHECK(listener.payloads(1) == std::vector<std::string>{"moved"});
  CHECK(link.connection(channel).where() == owner.where());
  CHECK(link.topology() == Topology::cluster);
}

TEST_CASE("a cluster stream sends each message to its slot's owner, each channel in order") {
  RedisCluster cluster;
  const auto channels = cluster.names_on_every_master("c");
  std::vector<Listener> listeners;
  for (const auto& channel : channels) {
    listeners.emplace_back(cluster.owner(channel), channel, "SSUBSCRIBE");
  }
  std::vector<std::uint64_t> acks;
  // A small window, so that every pipeline fills and drains many times.
  Link link(cluster.seed(1), "publisher");
  RecordStream stream(link, {.sharded = true}, [&](const Acknowledgement& ack) { acks.push_back(ack.message); },
                      {8, 256});
  constexpr int per_channel = 100;
  for (int n = 0; n < per_channel; ++n) {
    for (const auto& channel : channels) {
      stream.publish(channel, std::to_string(n));
    }
  }
  stream.finish();

  const std::uint64_t total = per_channel * channels.size();
  check_all_acknowledged(stream, acks, total); // numbered as they arrive, across nodes
  std::vector<std::string> expected;
  for (int n = 0; n < per_channel; ++n) {
    expected.push_back(std::to_string(n));
  }
  for (auto& listener : listeners) {
    CHECK(listener.payloads(per_channel) == expected);
  }
}

TEST_CASE("a lock in a cluster lives on its slot's owner") {
  RedisCluster cluster;
  const LockKeys keys = lock_keys("statesync:", "nightly");
  Link link(cluster.seed(), "locker");
  CHECK(link.connection(keys.lock).where() == cluster.owner(keys.lock).where());
  Lock lock(link, {.name = "nightly"});
  REQUIRE(lock.try_acquire().acquired);
  Connection owner = Connection::open(cluster.owner(keys.lock), "checker");
  CHECK(owner.command({"EXISTS", keys.lock, keys.fence}).integer == 2);
  CHECK(lock.release());
  CHECK(owner.command({"EXISTS", keys.lock}).integer == 0);
}
