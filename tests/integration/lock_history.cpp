// A lock's run history through the library against a real redis-server:
// finish() writes one record with the release, refusals and vanished
// holders are recorded, the summary finds the last success and failure,
// and --once-per windows.

#include "redis_server.hpp"

#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_history.hpp>

#include <doctest/doctest.h>

#include <thread>
#include <unistd.h>

using namespace statesync;
using statesync::testing::RedisServer;
using std::chrono::milliseconds;

namespace {

Link connect(const RedisServer& server) {
  return Link(server.endpoint(), "statesync-test");
}

LockSpec spec(std::string name, std::string host, milliseconds ttl = milliseconds(10000)) {
  LockSpec s;
  s.name = std::move(name);
  s.host = std::move(host);
  s.ttl = ttl;
  return s;
}

} // namespace

TEST_CASE("finish records the run with the release; the summary finds the last success and failure") {
  RedisServer server;
  auto connection = connect(server);
  {
    Lock lock(connection, spec("job", "web1"));
    REQUIRE(lock.try_acquire().acquired);
    const FinishedRun done = lock.finish(RunEnd{});
    CHECK(done.released);
    CHECK(done.start_ms > 0);
    CHECK(done.end_ms >= done.start_ms);
    CHECK(done.wait_start_ms == done.start_ms); // acquired at its first attempt
  }
  {
    Lock lock(connection, spec("job", "web2"));
    REQUIRE(lock.try_acquire().acquired);
    CHECK(lock.finish(RunEnd{RunOutcome::failed, 3}).released);
  }
  const auto records = lock_history(connection, "statesync:", "job").records;
  REQUIRE(records.size() == 2);
  CHECK(records[0].host == "web2");
  CHECK(records[0].outcome == RunOutcome::failed);
  CHECK(records[0].exit_status == 3);
  CHECK(records[0].fence == 2);
  CHECK(records[1].host == "web1");
  CHECK(records[1].pid == ::getpid());
  CHECK(lock_history(connection, "statesync:", "job", HistoryQuery{.count = 1}).records.size() == 1);
  const auto web1 = lock_history(connection, "statesync:", "job", HistoryQuery{.host = "web1"}).records;
  REQUIRE(web1.size() == 1);
  CHECK(web1[0].fence == 1);
  CHECK(lock_history(connection, "statesync:", "job", HistoryQuery{.outcome = RunOutcome::failed}).records.size() == 1);
  const RunSummary summary = lock_run_summary(connection, "statesync:", "job");
  REQUIRE(summary.last);
  CHECK(summary.last->host == "web2");
  REQUIRE(summary.last_success);
  CHECK(summary.last_success->host == "web1");
  REQUIRE(summary.last_failure);
  CHECK(summary.last_failure->fence == 2);
  CHECK(lock_status(connection, "statesync:", "job").last_fence == 2);
}

TEST_CASE("a holder that vanished is recorded by the next acquirer; a refusal names the holder") {
  RedisServer server;
  auto a = connect(server);
  auto b = connect(server);
  Lock gone(a, spec("job", "lost-host", milliseconds(100)));
  REQUIRE(gone.try_acquire().acquired);
  Lock next(b, spec("job", "next-host"));
  const Attempt refused = next.try_acquire();
  REQUIRE_FALSE(refused.acquired);
  CHECK(next.wait_start_ms() > 0);
  next.record_refusal(refused);
  // `gone` never renews: its lease ends, and the next acquirer records it.
  CHECK(next.acquire(Clock::now() + milliseconds(5000)) == AcquireResult::acquired);
  next.finish(RunEnd{});
  // Refusals are kept apart from the runs; asked for, they are sorted in
  // by when they were refused (runs by their start).
  const LockHistory runs = lock_history(b, "statesync:", "job");
  CHECK(runs.records.size() == 2);
  CHECK(runs.refusals_kept == 1);
  const auto records = lock_history(b, "statesync:", "job", HistoryQuery{.refusals = true}).records;
  REQUIRE(records.size() == 3);
  // The refusal and the vanished run's start may fall in one millisecond
  // of the server's clock: their order is not defined, the newest run's is.
  CHECK(records[0].outcome == RunOutcome::ok);
  const auto& refusal = records[1].outcome == RunOutcome::refused ? records[1] : records[2];
  const auto& vanished = records[1].outcome == RunOutcome::refused ? records[2] : records[1];
  CHECK(refusal.outcome == RunOutcome::refused);
  CHECK(refusal.refused_by == "lost-host:" + std::to_string(::getpid()));
  CHECK(vanished.outcome == RunOutcome::vanished);
  CHECK(vanished.host == "lost-host");
  CHECK(vanished.end_ms - vanished.start_ms >= 100);
  CHECK(records[0].waited() >= milliseconds(0));
  // The vanished holder's own late finish adds nothing.
  CHECK_FALSE(gone.finish(RunEnd{}).released);
  CHECK(lock_history(b, "statesync:", "job").records.size() == 2);
}

TEST_CASE("a plain release is recorded as released; history length 0 keeps nothing") {
  RedisServer server;
  auto connection = connect(server);
  Lock lock(connection, spec("plain", "h"));
  REQUIRE(lock.try_acquire().acquired);
  CHECK(lock.release());
  REQUIRE(lock_history(connection, "statesync:", "plain").records.size() == 1);
  CHECK(lock_history(connection, "statesync:", "plain").records[0].outcome == RunOutcome::released);
  LockSpec off = spec("off", "h");
  off.history_len = 0;
  Lock quiet(connection, off);
  REQUIRE(quiet.try_acquire().acquired);
  CHECK(quiet.finish(RunEnd{}).start_ms == 0);
  CHECK(lock_history(connection, "statesync:", "off").records.empty());
  CHECK_FALSE(lock_run_summary(connection, "statesync:", "off").last);
}

TEST_CASE("once per window: a success uses it up, a failure does not") {
  RedisServer server;
  auto connection = connect(server);
  LockSpec window = spec("daily", "h1");
  window.once_per = milliseconds(24LL * 3600 * 1000);
  {
    Lock failing(connection, window);
    REQUIRE(failing.try_acquire().acquired);
    failing.finish(RunEnd{RunOutcome::failed, 1});
  }
  {
    Lock again(connection, window);
    REQUIRE(again.acquire(std::nullopt) == AcquireResult::acquired);
    again.finish(RunEnd{});
  }
  window.host = "h2";
  Lock late(connection, window);
  CHECK(late.acquire(std::nullopt) == AcquireResult::already_ran);
  REQUIRE(late.window_run());
  CHECK(late.window_run()->host == "h1");
  CHECK(late.window_run()->window_left > milliseconds(0));
  window.limit = 2;
  CHECK_THROWS_AS(Lock(connection, window), Error);
}

TEST_CASE("a history key of another type is the server's error") {
  RedisServer server;
  auto connection = connect(server);
  connection.command({"SET", "statesync:lock:{typo}:history", "x"});
  Lock lock(connection, spec("typo", "h"));
  try {
    lock.try_acquire();
    FAIL("acquired");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::server);
    CHECK(std::string(error.what()).find("WRONGTYPE") != std::string::npos);
  }
  CHECK_THROWS_AS(lock_history(connection, "statesync:", "typo"), Error);
}
