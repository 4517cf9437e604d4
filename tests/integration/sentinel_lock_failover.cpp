// A lock held through a Sentinel failover of a killed master, with the
// library alone: the lease is kept at the new master or reported lost,
// and never are there two holders: a contender acquires only after the
// holder was told it lost the lease, with a greater fencing token.

#include "redis_sentinel.hpp"

#include <statesync/connection.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_session.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>
#include <poll.h>
#include <string>

using namespace statesync;
using namespace statesync::testing;

namespace {

void hold_through_failover(std::chrono::milliseconds ttl) {
  RedisSentinelGroup group;
  LockSessionOptions options;
  options.link.endpoint = group.endpoint();
  options.link.client_name = "holder";
  options.lock.name = "nightly";
  options.lock.ttl = ttl;
  std::mutex mutex;
  std::optional<Clock::time_point> lost_at;
  options.on_lost = [&](const std::string&) {
    const std::lock_guard<std::mutex> guard(mutex);
    lost_at = Clock::now();
  };
  auto holder = LockSession::start(options);
  REQUIRE(holder);
  const long long first_fence = holder->fence();

  const Endpoint master = group.failover(RedisSentinelGroup::Failover::killed);

  // The contender waits long enough for the holder's lease to run out
  // twice over, were it not kept.
  LockSessionOptions contending = options;
  contending.link.client_name = "contender";
  contending.wait = ttl * 2;
  contending.on_lost = {};
  auto contender = LockSession::start(contending);
  const auto contender_returned = Clock::now();
  const LockKeys keys = lock_keys(options.lock.prefix, options.lock.name);
  Connection checker = Connection::open(master, "checker");
  if (contender) {
    INFO("lost, then taken over: ", holder->lost_why());
    CHECK(holder->lost());
    {
      const std::lock_guard<std::mutex> guard(mutex);
      REQUIRE(lost_at);
      CHECK(*lost_at <= contender_returned);
    }
    CHECK(contender->fence() > first_fence);
    CHECK_FALSE(holder->release());
    CHECK(contender->release());
  } else {
    INFO("kept at the new master ", master.where());
    CHECK_FALSE(holder->lost());
    CHECK(checker.command({"EXISTS", keys.lock}).integer == 1);
    CHECK(holder->release());
    CHECK(checker.command({"EXISTS", keys.lock}).integer == 0);
  }
  // The fencing counter at the new master went on from the old one's.
  CHECK(std::stoll(checker.command({"GET", keys.fence}).str) >= first_fence + (contender ? 1 : 0));
}

} // namespace

// Renewed every 2 s, lost without a renewal for 4 s: longer than the
// failover mostly takes, so mostly kept; either outcome is checked.
TEST_CASE("a lock held through a killed master's Sentinel failover is kept or reported lost, never shared") {
  hold_through_failover(std::chrono::milliseconds(6000));
}

// Lost without a renewal for 1 s: shorter than the Sentinels take to see
// the master down, so mostly lost and taken over; either outcome is checked.
TEST_CASE("a short lease through a killed master's Sentinel failover is reported lost before another holds it") {
  hold_through_failover(std::chrono::milliseconds(1500));
}

// What a master says of its replicas is no guide: a demoted one that has
// not learnt it yet has none, and would take the lock unreplicated. Behind
// Sentinels an acquisition waits for a replica whatever the master says.
TEST_CASE("behind Sentinels a lock no replica has is not acquired, even from a master that counts none") {
  RedisSentinelGroup group;
  group.cut_replica_off();
  Link link(group.endpoint(), "holder");
  LockSpec spec;
  spec.name = "nightly";
  spec.ttl = std::chrono::milliseconds(3000);
  Lock lock(link, spec);
  CHECK_THROWS_WITH_AS(lock.try_acquire(), doctest::Contains("reached 0 of 1 replicas"), Error);
  CHECK_FALSE(lock.held());
  Connection checker = Connection::open(group.master(), "checker");
  CHECK(checker.command({"EXISTS", lock_keys(spec.prefix, spec.name).lock}).integer == 0);
}

// The holder's connection is closed and its master then stops answering,
// while the Sentinels still name it: asking them, connecting and the
// handshake all "work", and nothing answers after. Every wait in keeping
// the lease ends by its give-up point: the loss is told before the lease
// could have run out (and another client hold it), not after a connect or
// reply timeout ten times longer.
TEST_CASE("a lease whose master stops answering while the Sentinels still name it is lost before it could run out") {
  RedisSentinelGroup group;
  Endpoint endpoint = group.endpoint();
  endpoint.connect_timeout = std::chrono::milliseconds(30000);
  endpoint.reply_timeout = std::chrono::milliseconds(30000);
  Link link(endpoint, "holder");
  LockSpec spec;
  spec.name = "nightly";
  spec.ttl = std::chrono::milliseconds(1500);
  Lock lock(link, spec);
  REQUIRE(lock.try_acquire().acquired);
  // No renewal after this point reaches a server: the lease ends by then.
  const auto lease_ends_by = Clock::now() + spec.ttl;
  REQUIRE(Connection::open(group.master(), "admin").command({"CLIENT", "KILL", "TYPE", "normal"}).type ==
          Reply::Type::integer);
  group.freeze_master();
  LeaseNews news;
  for (int round = 0; round < 1000 && news.lost.empty(); ++round) {
    news = lock.keep();
    REQUIRE((news.held || !news.lost.empty()));
    if (news.next) {
      // As a holder waits: until the renewal is due, or the connection says something.
      pollfd lease{lock.lease_fd(), POLLIN, 0};
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*news.next - Clock::now()).count();
      ::poll(&lease, 1, static_cast<int>(std::max<long long>(left, 0)));
    }
  }
  INFO("lost: ", news.lost);
  CHECK_FALSE(news.lost.empty());
  CHECK(Clock::now() < lease_ends_by);
}
