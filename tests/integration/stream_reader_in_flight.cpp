// The stream reader with a blocking read in flight: flush() and close()
// take each reply for the command it answers, and the read's entries are
// still handed out.

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/stream_reader.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::RedisServer;

namespace {

StreamReaderOptions group_reading(const Endpoint& endpoint) {
  StreamReaderOptions options;
  options.endpoint = endpoint;
  options.client_name = "reader";
  options.keys = {"ev"};
  options.group = StreamGroupOptions{"g", "c1", "0", {}, {}, {}};
  return options;
}

long long pending_count(Connection& connection) {
  const Reply pending = connection.command({"XPENDING", "ev", "g"});
  REQUIRE(pending.type == Reply::Type::array);
  return pending.elements[0].integer;
}

} // namespace

TEST_CASE("flush and close while a blocking read is in flight") {
  RedisServer server;
  auto check = Connection::open(server.endpoint(), "check");
  check.command({"XADD", "ev", "*", "payload", "a"});
  StreamReader reader(group_reading(server.endpoint()));
  const auto a = reader.next(std::nullopt);
  REQUIRE(a);
  REQUIRE(a->type == StreamEvent::Type::entry);
  // The next read goes out (blocking) and is left in flight; an entry
  // added now is its reply, or, once its block ended, a later read's.
  CHECK_FALSE(reader.next(Clock::now() + 50ms));
  check.command({"XADD", "ev", "*", "payload", "b"});
  reader.acknowledge(a->entry);
  // The XACK's reply is its own, not the read's: nothing thrown, the
  // entry not lost.
  CHECK_NOTHROW(reader.flush());
  const auto b = reader.next(Clock::now() + 30s);
  REQUIRE(b);
  REQUIRE(b->type == StreamEvent::Type::entry);
  CHECK(*b->entry.field("payload") == "b");
  CHECK_FALSE(reader.next(Clock::now() + 50ms));
  reader.acknowledge(b->entry);
  reader.close();
  CHECK(pending_count(check) == 0);
}
