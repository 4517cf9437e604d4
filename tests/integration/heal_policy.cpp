// Issue 23, item 2: every entry point heals by the same policy. One
// ReconnectPolicy, set once, is given to each reader (Subscriber,
// KeyWatcher) and to a Link; when the server goes for good, each reports
// the loss and then gives up by that policy's give-up time, saying so in
// the same words (the link's recover()). StreamReader is not here yet: with
// the same policy and the server gone, forty calls of next(now + 1s) did
// not throw; the readers' event core is changing it this round.

#include "redis_server.hpp"

#include <statesync/error.hpp>
#include <statesync/key_watcher.hpp>
#include <statesync/link.hpp>
#include <statesync/subscriber.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <string>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::RedisServer;

namespace {

ReconnectPolicy give_up_soon() {
  ReconnectPolicy policy;
  policy.first_delay = 20ms;
  policy.max_delay = 50ms;
  policy.give_up_after = 300ms;
  return policy;
}

// The Error `call` throws, if any.
template <class Call>
std::optional<Error> error_of(Call&& call) {
  try {
    call();
  } catch (const Error& error) {
    return error;
  }
  return std::nullopt;
}

// next() until it throws, a bounded number of times: a reader that never
// gave up fails the test rather than hanging it.
template <class Reader>
std::optional<Error> error_after_the_loss(Reader& reader) {
  return error_of([&] {
    for (int i = 0; i < 40; ++i) {
      reader.next(Clock::now() + 1s);
    }
  });
}

void gave_up_by_the_policy(const char* who, const std::optional<Error>& error) {
  CAPTURE(who);
  REQUIRE(error);
  CHECK(error->kind() == ErrorKind::unavailable);
  CHECK(std::string(error->what()).find("not back within 0.3s") != std::string::npos);
}

} // namespace

TEST_CASE("one reconnect policy, set once, and every reader and the link give up by it alike") {
  RedisServer server;
  const ReconnectPolicy policy = give_up_soon();

  SubscriberOptions subscribing;
  subscribing.endpoint = server.endpoint();
  subscribing.names = {"news"};
  subscribing.reconnect = policy;
  Subscriber subscriber(subscribing);

  KeyWatcherOptions watching;
  watching.endpoint = server.endpoint();
  watching.keys = {"flag"};
  watching.reconnect = policy;
  KeyWatcher watcher(watching);

  Link link(LinkOptions{server.endpoint(), "heal-policy", policy});
  link.connect();

  server.stop();
  gave_up_by_the_policy("Subscriber", error_after_the_loss(subscriber));
  gave_up_by_the_policy("KeyWatcher", error_after_the_loss(watcher));
  const std::optional<Error> lost = error_of([&] { link.command({"PING"}); });
  REQUIRE(lost);
  CHECK(lost->kind() == ErrorKind::unavailable);
  gave_up_by_the_policy("Link", error_of([&] { link.recover(*lost); }));
}
