// The subscriber's protocol pieces, fed replies without a server.

#include "protocol/server_error.hpp"
#include "pubsub/subscriber_protocol.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <functional>

using namespace statesync;
using namespace statesync::detail;

namespace {

Reply string(std::string text) {
  Reply r;
  r.type = Reply::Type::string;
  r.str = std::move(text);
  return r;
}

Reply array(std::vector<Reply> elements) {
  Reply r;
  r.type = Reply::Type::array;
  r.elements = std::move(elements);
  return r;
}

Reply error(std::string text) {
  Reply r;
  r.type = Reply::Type::error;
  r.error_code = server_error_code(text);
  r.str = std::move(text);
  return r;
}

Reply nil() {
  return Reply{};
}

Reply integer(long long n) {
  Reply r;
  r.type = Reply::Type::integer;
  r.integer = n;
  return r;
}

ErrorKind kind_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.kind();
  }
  FAIL("no error");
  return ErrorKind::internal;
}

} // namespace

TEST_CASE("messages, pattern messages and sharded messages") {
  Message m;
  Reply r = array({string("message"), string("ch"), string(std::string("a\0b", 3))});
  REQUIRE(read_push(r, m) == PushKind::message);
  CHECK(m.channel == "ch");
  CHECK(m.payload == std::string("a\0b", 3));
  CHECK(m.pattern.empty());
  CHECK_FALSE(m.retained());
  CHECK_FALSE(m.current_state);

  r = array({string("pmessage"), string("c*"), string("cx"), string("p")});
  REQUIRE(read_push(r, m) == PushKind::message);
  CHECK(m.pattern == "c*");
  CHECK(m.channel == "cx");
  CHECK(m.payload == "p");

  r = array({string("smessage"), string("s"), string("q")});
  REQUIRE(read_push(r, m) == PushKind::message);
  CHECK(m.channel == "s");
  CHECK(m.pattern.empty());
}

TEST_CASE("other pushes") {
  Message m;
  Reply pong = array({string("pong"), string("")});
  CHECK(read_push(pong, m) == PushKind::pong);
  Reply confirmation = array({string("subscribe"), string("ch"), integer(1)});
  CHECK(read_push(confirmation, m) == PushKind::subscribed);
  Reply dropped = array({string("sunsubscribe"), string("ch"), integer(0)});
  CHECK(read_push(dropped, m) == PushKind::dropped);
  CHECK(kind_of([] {
          Message x;
          Reply r = error("NOPERM no");
          read_push(r, x);
        }) == ErrorKind::refused);
  CHECK(kind_of([] {
          Message x;
          Reply r = string("surprise");
          read_push(r, x);
        }) == ErrorKind::protocol);
  CHECK(kind_of([] {
          Message x;
          Reply r = array({string("message"), string("only two")});
          read_push(r, x);
        }) == ErrorKind::protocol);
}

TEST_CASE("confirmations") {
  expect_confirmation(array({string("subscribe"), string("a"), integer(1)}), "a");
  CHECK(kind_of([] { expect_confirmation(error("ERR bad"), "a"); }) == ErrorKind::server);
  CHECK(kind_of([] { expect_confirmation(string("OK"), "a"); }) == ErrorKind::protocol);
}

TEST_CASE("retained state from HMGET") {
  auto state = retained_state(array({string("v"), string("12")}), "ch", "k");
  REQUIRE(state);
  CHECK(state->channel == "ch");
  CHECK(state->payload == "v");
  CHECK(*state->version == 12);
  CHECK(state->current_state);
  CHECK_FALSE(retained_state(array({nil(), nil()}), "ch", "k"));
  CHECK(kind_of([] { retained_state(array({string("v"), string("x1")}), "ch", "k"); }) == ErrorKind::protocol);
  CHECK(kind_of([] { retained_state(array({string("v"), nil()}), "ch", "k"); }) == ErrorKind::protocol);
  CHECK(kind_of([] { retained_state(error("WRONGTYPE"), "ch", "k"); }) == ErrorKind::server);
}

TEST_CASE("retained states matching a pattern") {
  const auto states = retained_states_matching(
      array({array({string("a.1"), string("x"), string("3")}), array({string("a.2"), string(""), string("1")})}),
      "a.*");
  REQUIRE(states.size() == 2);
  CHECK(states[0].channel == "a.1");
  CHECK(states[0].pattern == "a.*");
  CHECK(states[0].payload == "x");
  CHECK(*states[0].version == 3);
  CHECK(states[0].current_state);
  CHECK(states[1].payload.empty());
  CHECK(retained_states_matching(array({}), "a.*").empty());
  CHECK(kind_of([] { retained_states_matching(array({string("flat")}), "a"); }) == ErrorKind::protocol);
  CHECK(kind_of([] { retained_states_matching(error("NOSCRIPT"), "a"); }) == ErrorKind::server);
}

TEST_CASE("glob escaping") {
  CHECK(glob_escape("statesync:state:") == "statesync:state:");
  CHECK(glob_escape("a*b?c[d]e\\") == "a\\*b\\?c\\[d\\]e\\\\");
}
