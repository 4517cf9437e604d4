// A lock held through a Sentinel failover of a killed master, with the
// library alone: the lease is kept at the new master or reported lost,
// and never are there two holders: a contender acquires only after the
// holder was told it lost the lease, with a greater fencing token.

#include "redis_sentinel.hpp"

#include <statesync/connection.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_session.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <mutex>
#include <optional>
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
