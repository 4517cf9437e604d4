// Reading the lock script's replies: holder metadata and reply shapes.

#include "lock/lock_reply.hpp"

#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <doctest/doctest.h>

using namespace statesync;
using namespace statesync::detail;
using std::chrono::milliseconds;

namespace {

Reply string_reply(std::string text) {
  Reply reply;
  reply.type = Reply::Type::string;
  reply.str = std::move(text);
  return reply;
}

} // namespace

TEST_CASE("a holder of ours, from its info field") {
  const Holder holder = parse_holder("abc:web 1:42", 18000, string_reply("7 1000000 30000 42 web 1"), 1012000);
  CHECK(holder.ours);
  CHECK(holder.fence == 7);
  CHECK(holder.since_ms == 1000000);
  CHECK(holder.ttl == milliseconds(30000));
  CHECK(holder.pid == 42);
  CHECK(holder.host == "web 1");
  CHECK(holder.held == milliseconds(12000));
  CHECK(holder.left == milliseconds(18000));
  CHECK(holder.who() == "web 1:42");
}

TEST_CASE("a holder in its post-run hold: \"hold \" before its info") {
  const Holder holder = parse_holder("abc:web:42", 2000, string_reply("hold 7 1000000 30000 42 web"), 1012000);
  CHECK(holder.ours);
  CHECK(holder.after_run);
  CHECK(holder.fence == 7);
  CHECK(holder.host == "web");
  CHECK_FALSE(parse_holder("abc:web:42", 2000, string_reply("7 1000000 30000 42 web"), 1012000).after_run);
}

TEST_CASE("another client's holder: no info, maybe no expiry") {
  const Holder holder = parse_holder("their-token", -1, Reply{}, 5);
  CHECK_FALSE(holder.ours);
  CHECK_FALSE(holder.left);
  CHECK(holder.token == "their-token");
  CHECK(holder.who() == "another client");
  CHECK_FALSE(parse_holder("t", 10, string_reply("garbage"), 5).ours);
}

TEST_CASE("reply elements are checked") {
  Reply array;
  array.type = Reply::Type::array;
  array.elements.push_back(string_reply("x"));
  CHECK(lock_reply_element(array, 0, Reply::Type::string, "test").str == "x");
  CHECK_THROWS_AS(lock_reply_element(array, 1, Reply::Type::string, "test"), Error);
  CHECK_THROWS_AS(lock_reply_element(array, 0, Reply::Type::integer, "test"), Error);
}

TEST_CASE("every key of a lock shares its {NAME} hash tag") {
  const LockKeys keys = lock_keys("statesync:", "job");
  CHECK(keys.lock == "statesync:lock:{job}");
  CHECK(keys.fence == "statesync:lock:{job}:fence");
  CHECK(keys.signal == "statesync:lock:{job}:signal");
  CHECK(keys.info == "statesync:lock:{job}:info");
  CHECK(keys.holders == "statesync:lock:{job}:holders");
  CHECK(keys.limit == "statesync:lock:{job}:limit");
  CHECK(keys.queue == "statesync:lock:{job}:queue");
  CHECK(keys.xsignal == "statesync:lock:{job}:xsignal");
  CHECK(keys.serial == "statesync:lock:{job}:serial");
}
