// LockSession against a real server: the lease kept past its TTL by the
// session's thread, a lost lease noticed and told (flag, fd, callback),
// the fencing token growing, the release on destruction.

#include "redis_server.hpp"
#include "silent_listener.hpp"

#include <statesync/link.hpp>
#include <statesync/lock_session.hpp>

#include <doctest/doctest.h>

#include <atomic>
#include <poll.h>

using namespace statesync;
using namespace statesync::testing;
using std::chrono::milliseconds;

namespace {

LockSessionOptions options(const RedisServer& server, milliseconds ttl) {
  LockSessionOptions o;
  o.link.endpoint = server.endpoint();
  o.link.client_name = "session-test";
  o.lock.name = "job";
  o.lock.ttl = ttl;
  o.wait = milliseconds(0);
  return o;
}

// True when `fd` turned readable within `limit` (a bound, not a pause).
bool readable_within(int fd, milliseconds limit) {
  pollfd ready{fd, POLLIN, 0};
  return ::poll(&ready, 1, static_cast<int>(limit.count())) == 1;
}

const std::string lock_key = "statesync:lock:{job}";

} // namespace

TEST_CASE("a session keeps its lease past the TTL and releases on destruction") {
  RedisServer server;
  Link observer(server.endpoint(), "observer");
  long long first_fence = 0;
  {
    auto session = LockSession::start(options(server, milliseconds(300)));
    REQUIRE(session);
    first_fence = session->fence();
    CHECK(first_fence == 1);
    // Four TTLs without a word from the program: the thread renews.
    CHECK_FALSE(readable_within(session->lost_fd(), milliseconds(1200)));
    CHECK_FALSE(session->lost());
    CHECK(observer.command({"EXISTS", lock_key}).integer == 1);
    CHECK_FALSE(LockSession::start(options(server, milliseconds(300)))); // held: not acquired
  }
  CHECK(observer.command({"EXISTS", lock_key}).integer == 0); // released
  auto next = LockSession::start(options(server, milliseconds(300)));
  REQUIRE(next);
  CHECK(next->fence() > first_fence);
  CHECK(next->release());
  CHECK_FALSE(next->release()); // once
}

TEST_CASE("a deleted lock is told at once: flag, fd and callback") {
  RedisServer server;
  Link observer(server.endpoint(), "observer");
  std::atomic<int> calls{0};
  auto o = options(server, milliseconds(900));
  o.on_lost = [&](const std::string&) {
    ++calls;
  };
  auto session = LockSession::start(o);
  REQUIRE(session);
  CHECK(session->lost_why().empty());
  observer.command({"DEL", lock_key});
  // Found by the next renewal (a third of the TTL).
  REQUIRE(readable_within(session->lost_fd(), milliseconds(20000)));
  CHECK(session->lost());
  CHECK(calls == 1);
  CHECK(session->lost_why() == "it was deleted or taken over");
  CHECK_FALSE(session->release()); // nothing left to release
}

TEST_CASE("a session whose server is gone past the lease is told it is lost") {
  RedisServer server;
  auto session = LockSession::start(options(server, milliseconds(600)));
  REQUIRE(session);
  server.stop();
  REQUIRE(readable_within(session->lost_fd(), milliseconds(20000)));
  CHECK(session->lost());
  CHECK_FALSE(session->lost_why().empty());
}

// A server that comes back as a listener that never answers: connecting
// succeeds, the handshake and the renewal get no reply. Every wait in
// keeping the lease ends by its give-up point, so the loss is told before
// the lease could have run out at a server (and another client hold it),
// not after a connect or reply timeout ten times longer.
TEST_CASE("a session whose server comes back silent is told it is lost before its lease could run out") {
  RedisServer server;
  const milliseconds ttl(3000);
  LockSessionOptions o = options(server, ttl);
  o.link.endpoint.connect_timeout = milliseconds(30000);
  o.link.endpoint.reply_timeout = milliseconds(30000);
  std::atomic<Clock::rep> lost_at{0};
  o.on_lost = [&](const std::string&) {
    lost_at = Clock::now().time_since_epoch().count();
  };
  auto session = LockSession::start(o);
  REQUIRE(session);
  // No renewal after this point reaches a server: the lease ends by then.
  const auto lease_ends_by = Clock::now() + ttl;
  const int port = server.endpoint().port;
  server.stop();
  const SilentListener silent(port);
  REQUIRE(readable_within(session->lost_fd(), milliseconds(20000)));
  CHECK(session->lost());
  INFO("lost: ", session->lost_why());
  CHECK(Clock::time_point(Clock::duration(lost_at.load())) < lease_ends_by);
}
