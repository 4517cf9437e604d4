// The library's Subscriber against a real redis-server.

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/publisher.hpp>
#include <statesync/subscriber.hpp>

#include <doctest/doctest.h>

#include <thread>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::RedisServer;

namespace {

SubscriberOptions options_for(const RedisServer& server, std::vector<std::string> names,
                              SubscriptionMode mode = SubscriptionMode::channels) {
  SubscriberOptions options;
  options.endpoint = server.endpoint();
  options.client_name = "statesync-test-sub";
  options.names = std::move(names);
  options.mode = mode;
  return options;
}

Message next_message(Subscriber& subscriber) {
  auto event = subscriber.next(Clock::now() + 5s);
  REQUIRE(event);
  REQUIRE(event->type == SubscriberEvent::Type::message);
  return event->message;
}

} // namespace

TEST_CASE("a subscriber delivers messages in order, and nothing when the deadline passes") {
  RedisServer server;
  Subscriber subscriber(options_for(server, {"a", "b"}));
  auto publisher = Connection::open(server.endpoint(), "statesync-test-pub");
  CHECK_FALSE(subscriber.next(Clock::now() + 20ms));
  publisher.command({"PUBLISH", "a", "1"});
  publisher.command({"PUBLISH", "b", std::string_view("\0x", 2)});
  const Message first = next_message(subscriber);
  CHECK(first.channel == "a");
  CHECK(first.payload == "1");
  const Message second = next_message(subscriber);
  CHECK(second.channel == "b");
  CHECK(second.payload == std::string("\0x", 2));
}

TEST_CASE("poll hands out what already arrived without waiting") {
  RedisServer server;
  Subscriber subscriber(options_for(server, {"a"}));
  auto publisher = Connection::open(server.endpoint(), "statesync-test-pub");
  for (int i = 0; i < 100; ++i) {
    publisher.append({"PUBLISH", "a", std::to_string(i)});
  }
  publisher.flush();
  for (int i = 0; i < 100; ++i) {
    publisher.read_reply();
  }
  int seen = 0;
  while (seen < 100) {
    auto event = seen == 0 ? subscriber.next(Clock::now() + 5s) : subscriber.poll();
    if (!event) {
      event = subscriber.next(Clock::now() + 5s); // the rest was not read yet
    }
    REQUIRE(event);
    CHECK(event->message.payload == std::to_string(seen));
    ++seen;
  }
  CHECK_FALSE(subscriber.poll());
}

TEST_CASE("patterns and sharded channels") {
  RedisServer server;
  Subscriber patterns(options_for(server, {"app.*"}, SubscriptionMode::patterns));
  Subscriber sharded(options_for(server, {"s1", "s2"}, SubscriptionMode::sharded));
  auto publisher = Connection::open(server.endpoint(), "statesync-test-pub");
  publisher.command({"PUBLISH", "app.x", "p"});
  publisher.command({"SPUBLISH", "s2", "s"});
  const Message matched = next_message(patterns);
  CHECK(matched.channel == "app.x");
  CHECK(matched.pattern == "app.*");
  CHECK(next_message(sharded).payload == "s");
}

TEST_CASE("retained state comes first, read with the subscription") {
  RedisServer server;
  auto publisher = Connection::open(server.endpoint(), "statesync-test-pub");
  publisher.command({"HSET", retained_state_key(default_key_prefix, "cfg"), "payload", "state", "version", "4"});
  auto options = options_for(server, {"none", "cfg"});
  options.retained = true;
  Subscriber subscriber(std::move(options));
  publisher.command({"PUBLISH", "cfg", "live"});
  const Message state = next_message(subscriber);
  CHECK(state.channel == "cfg");
  CHECK(state.payload == "state");
  CHECK(state.version == 4);
  const Message live = next_message(subscriber);
  CHECK(live.payload == "live");
  CHECK_FALSE(live.retained());
}

TEST_CASE("options that do not fit together are usage errors") {
  RedisServer server;
  auto options = options_for(server, {"a"}, SubscriptionMode::sharded);
  options.retained = true;
  CHECK_THROWS_AS(Subscriber{options}, Error);
  CHECK_THROWS_AS(Subscriber{options_for(server, {})}, Error);
}

TEST_CASE("a lost connection: an error without reconnecting, a lost event and then giving up with it") {
  RedisServer server;
  auto no_reconnect = options_for(server, {"a"});
  no_reconnect.reconnect.enabled = false;
  Subscriber strict(no_reconnect);
  auto patient_options = options_for(server, {"a"});
  patient_options.reconnect.give_up_after = 200ms;
  Subscriber patient(patient_options);
  server.stop();
  try {
    strict.next(Clock::now() + 5s);
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::unavailable);
  }
  auto lost = patient.next(Clock::now() + 5s);
  REQUIRE(lost);
  CHECK(lost->type == SubscriberEvent::Type::connection_lost);
  try {
    while (patient.next(Clock::now() + 5s)) {
    }
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::unavailable);
    CHECK(std::string(error.what()).find("not back within 0.2s") != std::string::npos);
  }
}

TEST_CASE("a subscriber that is killed by the server reconnects and subscribes again") {
  RedisServer server;
  Subscriber subscriber(options_for(server, {"a"}));
  auto admin = Connection::open(server.endpoint(), "statesync-test-admin");
  admin.command({"CLIENT", "KILL", "TYPE", "pubsub"});
  auto lost = subscriber.next(Clock::now() + 5s);
  REQUIRE(lost);
  CHECK(lost->type == SubscriberEvent::Type::connection_lost);
  auto back = subscriber.next(Clock::now() + 5s);
  REQUIRE(back);
  CHECK(back->type == SubscriberEvent::Type::reconnected);
  admin.command({"PUBLISH", "a", "again"});
  CHECK(next_message(subscriber).payload == "again");
}

TEST_CASE("close unsubscribes") {
  RedisServer server;
  Subscriber subscriber(options_for(server, {"a"}));
  auto admin = Connection::open(server.endpoint(), "statesync-test-admin");
  subscriber.close();
  for (int i = 0; i < 500 && admin.command({"PUBSUB", "NUMSUB", "a"}).elements[1].integer != 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(admin.command({"PUBSUB", "NUMSUB", "a"}).elements[1].integer == 0);
}

TEST_CASE("retained states of the channels a pattern matches, then live messages") {
  RedisServer server;
  auto publisher = Connection::open(server.endpoint(), "statesync-test-pub");
  // A prefix with glob characters must match literally.
  const std::string prefix = "we*rd[1]:";
  publisher.command({"HSET", retained_state_key(prefix, "app.b"), "payload", "B", "version", "2"});
  publisher.command({"HSET", retained_state_key(prefix, "app.a"), "payload", "A", "version", "5"});
  publisher.command({"HSET", retained_state_key(prefix, "other"), "payload", "O", "version", "1"});
  publisher.command({"HSET", retained_state_key("weXrd1:", "app.c"), "payload", "C", "version", "1"});
  publisher.command({"SET", retained_state_key(prefix, "app.string"), "not a hash"});
  // The index of retained channels that the retain script keeps, written
  // by hand here like the states (retained.hpp names both).
  publisher.command({"ZADD", retained_index_key(prefix), "0", "app.b", "0", "app.a", "0", "other", "0", "app.string"});
  publisher.command({"ZADD", retained_index_key("weXrd1:"), "0", "app.c"});
  auto options = options_for(server, {"app.*"}, SubscriptionMode::patterns);
  options.retained = true;
  options.key_prefix = prefix;
  Subscriber subscriber(std::move(options));
  publisher.command({"PUBLISH", "app.a", "live"});
  const Message a = next_message(subscriber);
  CHECK(a.channel == "app.a");
  CHECK(a.pattern == "app.*");
  CHECK(a.payload == "A");
  CHECK(a.version == 5);
  CHECK(a.current_state);
  const Message b = next_message(subscriber);
  CHECK(b.channel == "app.b");
  CHECK(b.version == 2);
  const Message live = next_message(subscriber);
  CHECK(live.payload == "live");
  CHECK(live.pattern == "app.*");
  CHECK_FALSE(live.retained());
}

TEST_CASE("live retained updates carry their version, a clear is marked, a plain publish has neither") {
  RedisServer server;
  Link link(server.endpoint(), "statesync-test-pub");
  Publisher publisher(link, PublisherOptions{});
  publisher.retain("cfg", "one", std::chrono::milliseconds(0));
  auto options = options_for(server, {"cfg"});
  options.retained = true;
  Subscriber subscriber(std::move(options));
  const Message state = next_message(subscriber);
  CHECK(state.version == 1); // the state first
  CHECK(state.current_state);
  publisher.retain("cfg", "two", std::chrono::milliseconds(0));
  publisher.publish("cfg", "plain");
  publisher.clear("cfg");
  const Message update = next_message(subscriber);
  CHECK(update.payload == "two");
  CHECK(update.version == 2);
  CHECK_FALSE(update.current_state); // live, although it has a version
  const Message plain = next_message(subscriber);
  CHECK(plain.payload == "plain");
  CHECK_FALSE(plain.retained());
  CHECK_FALSE(plain.cleared);
  const Message cleared = next_message(subscriber);
  CHECK(cleared.payload.empty());
  CHECK(cleared.cleared);
  CHECK_FALSE(cleared.version);
}
