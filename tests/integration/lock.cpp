// The lock and semaphore of the library against a real redis-server.

#include "redis_server.hpp"
#include "wait.hpp"

#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <optional>
#include <poll.h>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

using namespace statesync;
using statesync::testing::RedisServer;
using std::chrono::milliseconds;

namespace {

Link connect(const RedisServer& server) {
  return Link(server.endpoint(), "statesync-test");
}

LockSpec spec(std::string name, int limit = 1, milliseconds ttl = milliseconds(10000)) {
  LockSpec s;
  s.name = std::move(name);
  s.ttl = ttl;
  s.limit = limit;
  return s;
}

// Bounded: until the server shows `count` clients blocked in BLPOP.
void wait_for_blocked(Link& observer, int count) {
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const std::string clients = observer.command({"CLIENT", "LIST"}).str;
    int blocked = 0;
    for (std::size_t at = clients.find("cmd=blpop"); at != std::string::npos; at = clients.find("cmd=blpop", at + 1)) {
      ++blocked;
    }
    if (blocked == count) {
      return;
    }
    std::this_thread::sleep_for(milliseconds(10));
  }
  FAIL("no client blocked in BLPOP");
}

// statesync-lock's link: one server, which the link's policy does not
// reconnect to.
Link without_reconnect(const RedisServer& server) {
  LinkOptions options{server.endpoint(), "statesync-test", {}, LinkOptions{}.max_failovers};
  options.reconnect.enabled = false;
  return Link(options);
}

// keep() as a holder calls it (by LeaseNews::next, or when the lease's
// connection is readable) until a renewal after `since` is counted or
// the lease is lost; bounded by the rounds, not by time.
LeaseNews keep_until_renewed(Lock& lock, Clock::time_point since) {
  LeaseNews news;
  for (int round = 0; round < 1000; ++round) {
    news = lock.keep();
    if (!news.held || lock.lease_start() > since) {
      return news;
    }
    pollfd lease{lock.lease_fd(), POLLIN, 0};
    const auto left = news.next ? std::chrono::ceil<milliseconds>(*news.next - Clock::now()).count() : 10;
    ::poll(&lease, 1, static_cast<int>(std::clamp<long long>(left, 0, 100)));
  }
  return news;
}

const std::string job_key = "statesync:lock:{job}";

} // namespace

// CLIENT KILL, the server's idle timeout, a proxy's cut: the server is up
// and still has the lease, under this holder's token. Reconnected and
// renewed, not lost (issue 22).
TEST_CASE("a holder whose connection the server closes reconnects and renews its own lease") {
  RedisServer server;
  auto link = without_reconnect(server);
  auto admin = connect(server);
  Lock lock(link, spec("job", 1, milliseconds(3000)));
  REQUIRE(lock.try_acquire().acquired);
  const std::string token = admin.command({"GET", job_key}).str;
  const auto before = lock.lease_start();
  REQUIRE(admin.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).integer >= 1);
  const LeaseNews news = keep_until_renewed(lock, before);
  INFO("lost: ", news.lost);
  CHECK(news.held);
  CHECK(lock.lease_start() > before);
  CHECK(admin.command({"GET", job_key}).str == token); // the same holder
  CHECK(lock.release());
}

// The server restarted (here: not back yet): it may come back without the
// lock, and another client may take it at once. Lost, not waited for.
TEST_CASE("a holder whose server cannot be reached again at once loses the lease") {
  RedisServer server;
  auto link = without_reconnect(server);
  Lock lock(link, spec("job", 1, milliseconds(30000)));
  REQUIRE(lock.try_acquire().acquired);
  server.stop();
  const LeaseNews news = keep_until_renewed(lock, lock.lease_start());
  CHECK_FALSE(news.held);
  CHECK(news.lost.find("; after it: cannot connect") != std::string::npos);
}

TEST_CASE("a waiter whose connection the server closes reconnects and goes on waiting") {
  RedisServer server;
  auto admin = connect(server);
  Lock holder(admin, spec("job"));
  REQUIRE(holder.try_acquire().acquired);
  auto link = without_reconnect(server);
  Lock waiter(link, spec("job"));
  std::optional<AcquireResult> result;
  std::string failure;
  {
    // Joined on every way out of the block (a failed check too); the
    // waiter's own deadline bounds the join.
    std::jthread waiting([&] {
      try {
        result = waiter.acquire(Clock::now() + milliseconds(20000));
      } catch (const Error& error) {
        failure = error.what();
      }
    });
    wait_for_blocked(admin, 1);
    admin.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"});
    wait_for_blocked(admin, 1); // waiting again, on a new connection
    CHECK(holder.release());
  }
  INFO("failure: ", failure);
  CHECK(result == AcquireResult::acquired);
}

TEST_CASE("try_acquire, conflict, release; the fencing token increases") {
  RedisServer server;
  auto a = connect(server);
  auto b = connect(server);
  Lock first(a, spec("job"));
  Lock second(b, spec("job"));
  const Attempt got = first.try_acquire();
  CHECK(got.acquired);
  CHECK(got.fence == 1);
  const Attempt refused = second.try_acquire();
  CHECK_FALSE(refused.acquired);
  REQUIRE(refused.holders.size() == 1);
  CHECK(refused.holders[0].ours);
  CHECK(refused.holders[0].pid == ::getpid());
  CHECK(refused.holders[0].fence == 1);
  CHECK(first.release());
  CHECK_FALSE(first.held());
  CHECK(second.try_acquire().fence == 2);
  CHECK_FALSE(first.release()); // not held any more
}

TEST_CASE("a past deadline is one attempt; a release wakes a waiter") {
  RedisServer server;
  auto a = connect(server);
  auto b = connect(server);
  auto observer = connect(server);
  Lock holder(a, spec("job"));
  Lock waiter(b, spec("job"));
  REQUIRE(holder.try_acquire().acquired);
  CHECK(waiter.acquire(Clock::now()) == AcquireResult::timed_out);
  CHECK(waiter.acquire(Clock::now() + milliseconds(50)) == AcquireResult::timed_out);
  std::thread releaser([&] {
    wait_for_blocked(observer, 1);
    holder.release();
  });
  int refusals = 0;
  const auto result = waiter.acquire(Clock::now() + std::chrono::seconds(30), [&](const Attempt&) { ++refusals; });
  releaser.join();
  CHECK(result == AcquireResult::acquired);
  CHECK(refusals >= 1);
}

TEST_CASE("an expired holder is noticed by its remaining TTL") {
  RedisServer server;
  auto a = connect(server);
  auto b = connect(server);
  Lock holder(a, spec("job", 1, milliseconds(200)));
  Lock waiter(b, spec("job"));
  REQUIRE(holder.try_acquire().acquired); // never renewed, never released
  CHECK(waiter.acquire(Clock::now() + std::chrono::seconds(10)) == AcquireResult::acquired);
}

TEST_CASE("the wake fd interrupts a wait, which resumes where it was") {
  RedisServer server;
  auto a = connect(server);
  auto b = connect(server);
  Lock holder(a, spec("job"));
  Lock waiter(b, spec("job"));
  REQUIRE(holder.try_acquire().acquired);
  int wake[2];
  REQUIRE(::pipe(wake) == 0);
  b.set_wake_fd(wake[0]);
  REQUIRE(::write(wake[1], "x", 1) == 1);
  CHECK(waiter.acquire(std::nullopt) == AcquireResult::interrupted);
  char byte;
  REQUIRE(::read(wake[0], &byte, 1) == 1);
  CHECK(holder.release());
  CHECK(waiter.acquire(Clock::now() + std::chrono::seconds(10)) == AcquireResult::acquired);
  ::close(wake[0]);
  ::close(wake[1]);
}

namespace {

std::chrono::microseconds cpu_time_of_this_thread() {
  rusage usage{};
  ::getrusage(RUSAGE_THREAD, &usage);
  const auto micros = [](const timeval& t) {
    return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec);
  };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

} // namespace

TEST_CASE("a wake fd left readable does not make the wait for an outstanding pop spin") {
  RedisServer server;
  auto a = connect(server);
  auto b = connect(server);
  Lock holder(a, spec("job", 1, milliseconds(2000)));
  Lock waiter(b, spec("job"));
  REQUIRE(holder.try_acquire().acquired);
  int wake[2];
  REQUIRE(::pipe(wake) == 0);
  b.set_wake_fd(wake[0]);
  REQUIRE(::write(wake[1], "x", 1) == 1); // and never read, as a library user may leave it
  CHECK(waiter.acquire(std::nullopt) == AcquireResult::interrupted);
  // The pop sent by acquire() blocks on the server until the holder's
  // lease ends (2 s): the next attempt waits for its reply first. Not a
  // timing: a busy loop burns the whole wait on the CPU, a wait almost
  // none of it.
  const auto wall = Clock::now();
  const auto cpu = cpu_time_of_this_thread();
  CHECK(waiter.try_acquire().acquired);
  const auto burnt = cpu_time_of_this_thread() - cpu;
  CHECK(burnt * 4 < Clock::now() - wall);
  ::close(wake[0]);
  ::close(wake[1]);
}

TEST_CASE("renewal extends the lease; a deleted key is reported lost") {
  RedisServer server;
  auto a = connect(server);
  auto admin = connect(server);
  Lock lock(a, spec("job", 1, milliseconds(5000)));
  REQUIRE(lock.try_acquire().acquired);
  admin.command({"PEXPIRE", "statesync:lock:{job}", "100"});
  CHECK(lock.renew());
  CHECK(admin.command({"PTTL", "statesync:lock:{job}"}).integer > 100);
  lock.send_renewal();
  CHECK(lock.renewal_in_flight());
  std::optional<bool> renewed;
  for (int i = 0; i < 1000 && !renewed; ++i) {
    renewed = lock.collect_renewal();
    std::this_thread::sleep_for(milliseconds(1));
  }
  CHECK(renewed == true);
  admin.command({"DEL", "statesync:lock:{job}"});
  CHECK_FALSE(lock.renew());
  CHECK_FALSE(lock.held());
}

TEST_CASE("an empty script cache falls back to EVAL") {
  RedisServer server;
  auto a = connect(server);
  Lock lock(a, spec("job"));
  a.command({"SCRIPT", "FLUSH"});
  REQUIRE(lock.try_acquire().acquired);
  a.command({"SCRIPT", "FLUSH"});
  lock.send_renewal();
  CHECK(lock.renew()); // collects the in-flight renewal (NOSCRIPT, then EVAL) first
  a.command({"SCRIPT", "FLUSH"});
  CHECK(lock.release());
}

TEST_CASE("release with hold keeps the key for the hold") {
  RedisServer server;
  auto a = connect(server);
  Lock lock(a, spec("job"));
  REQUIRE(lock.try_acquire().acquired);
  CHECK(lock.release(milliseconds(1500)));
  const long long ttl = a.command({"PTTL", "statesync:lock:{job}"}).integer;
  CHECK(ttl > 0);
  CHECK(ttl <= 1500);
}

TEST_CASE("the guard releases") {
  RedisServer server;
  auto a = connect(server);
  Lock lock(a, spec("job"));
  {
    REQUIRE(lock.try_acquire().acquired);
    LockGuard guard(lock);
  }
  CHECK(a.command({"EXISTS", "statesync:lock:{job}"}).integer == 0);
}

TEST_CASE("a semaphore admits its limit; a different limit is a usage error") {
  RedisServer server;
  std::vector<Link> connections;
  for (int i = 0; i < 4; ++i) {
    connections.push_back(connect(server));
  }
  std::vector<std::unique_ptr<Lock>> locks;
  for (auto& connection : connections) {
    locks.push_back(std::make_unique<Lock>(connection, spec("pool", 3)));
  }
  for (int i = 0; i < 3; ++i) {
    CHECK(locks[static_cast<std::size_t>(i)]->try_acquire().acquired);
  }
  const Attempt refused = locks[3]->try_acquire();
  CHECK_FALSE(refused.acquired);
  CHECK(refused.holder_count == 3);
  Lock other_limit(connections[3], spec("pool", 2));
  CHECK_THROWS_AS(other_limit.try_acquire(), Error);
  Lock plain(connections[3], spec("pool"));
  CHECK_THROWS_AS(plain.try_acquire(), Error);
  CHECK(locks[1]->release());
  CHECK(locks[3]->acquire(Clock::now() + std::chrono::seconds(5)) == AcquireResult::acquired);
  const LockStatus status = lock_status(connections[0], "statesync:", "pool");
  CHECK(status.limit == 3);
  CHECK(status.holders.size() == 3);
  const auto listed = list_locks(connections[0], "statesync:", "p*");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "pool");
}

namespace {

LockSpec shared_spec(std::string name) {
  LockSpec s = spec(std::move(name));
  s.shared = true;
  return s;
}

} // namespace

TEST_CASE("shared holders share; a waiting exclusive one is queued, keeps new shared ones out, and is served") {
  RedisServer server;
  std::vector<Link> connections;
  for (int i = 0; i < 5; ++i) {
    connections.push_back(connect(server));
  }
  Lock first(connections[0], shared_spec("job"));
  Lock second(connections[1], shared_spec("job"));
  Lock writer(connections[2], spec("job"));
  Lock late(connections[3], shared_spec("job"));
  Link& observer = connections[4];
  CHECK(first.try_acquire().fence == 1);
  CHECK(second.try_acquire().fence == 2);
  const LockStatus status = lock_status(observer, "statesync:", "job");
  CHECK(status.shared);
  CHECK(status.holders.size() == 2);
  const Attempt refused = writer.try_acquire();
  CHECK_FALSE(refused.acquired);
  CHECK(refused.holder_count == 2);
  Lock semaphore(connections[3], spec("job", 2));
  CHECK_THROWS_AS(semaphore.try_acquire(), Error);
  bool late_refused = false;
  std::thread readers_leave([&] {
    wait_for_blocked(observer, 1);
    late_refused = !late.try_acquire().acquired;
    first.release();
    second.release();
  });
  const auto result = writer.acquire(Clock::now() + std::chrono::seconds(30));
  readers_leave.join();
  CHECK(result == AcquireResult::acquired);
  CHECK(late_refused);
  CHECK(writer.fence() == 3);
  CHECK_FALSE(lock_status(observer, "statesync:", "job").shared);
  CHECK_FALSE(late.try_acquire().acquired);
  CHECK(writer.release());
  CHECK(late.try_acquire().fence == 4);
}

TEST_CASE("a shared lock takes no limit") {
  RedisServer server;
  auto link = connect(server);
  LockSpec s = shared_spec("job");
  s.limit = 2;
  CHECK_THROWS_AS(Lock(link, s), Error);
}

TEST_CASE("inspection: status, list, force release") {
  RedisServer server;
  auto a = connect(server);
  auto admin = connect(server);
  Lock lock(a, spec("alpha"));
  REQUIRE(lock.try_acquire().acquired);
  LockStatus status = lock_status(admin, "statesync:", "alpha");
  CHECK(status.held);
  CHECK(status.last_fence == 1);
  REQUIRE(status.holders.size() == 1);
  CHECK(status.holders[0].ttl == milliseconds(10000));
  CHECK(lock_status(admin, "statesync:", "beta").held == false);
  const auto listed = list_locks(admin, "statesync:", "*");
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].name == "alpha");
  CHECK(list_locks(admin, "statesync:", "b*").empty());
  CHECK(force_release(admin, "statesync:", "alpha").held);
  CHECK_FALSE(lock_status(admin, "statesync:", "alpha").held);
  CHECK_FALSE(lock.renew());
}

TEST_CASE("wait_replicas: acquisition and renewal count once that many replicas have them") {
  RedisServer server;
  RedisServer replica({"--replicaof", "127.0.0.1", std::to_string(server.endpoint().port)});
  statesync::testing::wait_until([&] { return statesync::testing::replica_caught_up(replica.endpoint()); },
                                 "the replica to sync");
  auto link = connect(server);
  LockSpec one = spec("replicated", 1, milliseconds(3000));
  one.wait_replicas = 1;
  Lock lock(link, one);
  CHECK(lock.try_acquire().acquired);
  CHECK(lock.renew());
  CHECK(lock.release());

  LockSpec two = one;
  two.wait_replicas = 2;
  Lock short_of_replicas(link, two);
  CHECK_THROWS_WITH_AS(short_of_replicas.try_acquire(), doctest::Contains("reached 1 of 2 replicas"), Error);
  CHECK(link.command({"EXISTS", lock_keys(two.prefix, two.name).lock}).integer == 0);
}

// The renewal's WAIT, its reply and every retry after a shortfall end by
// the give-up point: a replica that stops confirming (frozen) is the lease
// lost then, whatever the reply and connect timeouts (a minute here).
TEST_CASE("wait_replicas: a lease whose replica stops confirming is lost by its give-up point") {
  RedisServer server;
  RedisServer replica({"--replicaof", "127.0.0.1", std::to_string(server.endpoint().port)});
  statesync::testing::wait_until([&] { return statesync::testing::replica_caught_up(replica.endpoint()); },
                                 "the replica to sync");
  Endpoint slow = server.endpoint();
  slow.connect_timeout = milliseconds(60000);
  slow.reply_timeout = milliseconds(60000);
  Link link(slow, "statesync-test");
  LockSpec one = spec("replicated", 1, milliseconds(1500));
  one.wait_replicas = 1;
  Lock lock(link, one);
  REQUIRE(lock.try_acquire().acquired);
  replica.freeze();
  const LeaseNews news = keep_until_renewed(lock, lock.lease_start());
  CHECK_FALSE(news.held);
  CHECK(news.lost == "not renewed within 1.0s");
}
