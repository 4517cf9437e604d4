// The publisher against a real redis-server: receiver counts, retained
// state and its version, clearing, and the pipelined stream's order,
// window and honest count after a failure.

#include "listener.hpp"
#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/publisher.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace statesync;
using statesync::testing::Listener;
using statesync::testing::RedisServer;

TEST_CASE("publish returns how many subscribers received the message") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  CHECK(publisher.publish("news", "nobody") == 0);
  Listener listener(server.endpoint(), "news");
  const std::string binary("a\0b\r\n\xff", 6);
  CHECK(publisher.publish("news", binary) == 1);
  CHECK(listener.payloads(1) == std::vector<std::string>{binary});
}

TEST_CASE("retain stores the state with a version that goes up by one, and publishes") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link, {"app:", false});
  Listener listener(server.endpoint(), "state");
  const Retained first = publisher.retain("state", "v1");
  const Retained second = publisher.retain("state", std::string_view("v\0002", 3));
  CHECK(first.receivers == 1);
  CHECK(first.version == 1);
  CHECK(second.version == 2);
  const std::string key = retained_state_key("app:", "state");
  CHECK(link.command({"HGET", key, "payload"}).str == std::string("v\0002", 3));
  CHECK(link.command({"HGET", key, "version"}).str == "2");
  CHECK(link.command({"TTL", key}).integer == -1);
  CHECK(listener.payloads(2) == std::vector<std::string>{"v1", std::string("v\0002", 3)});
}

TEST_CASE("a TTL makes the state expire; a later retain without one makes it permanent") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  const std::string key = retained_state_key(default_key_prefix, "temp");
  publisher.retain("temp", "x", std::chrono::milliseconds(60000));
  const long long ttl = link.command({"PTTL", key}).integer;
  CHECK(ttl > 0);
  CHECK(ttl <= 60000);
  publisher.retain("temp", "y");
  CHECK(link.command({"PTTL", key}).integer == -1);
}

TEST_CASE("clear deletes the state and publishes an empty message") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  publisher.retain("state", "v1");
  Listener listener(server.endpoint(), "state");
  const Cleared cleared = publisher.clear("state");
  CHECK(cleared.existed);
  CHECK(cleared.receivers == 1);
  CHECK(listener.payloads(1) == std::vector<std::string>{""});
  CHECK(link.command({"EXISTS", retained_state_key(default_key_prefix, "state")}).integer == 0);
  CHECK_FALSE(publisher.clear("state").existed);
}

TEST_CASE("a flushed script cache is answered with EVAL") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  publisher.retain("state", "v1");
  link.command({"SCRIPT", "FLUSH"});
  CHECK(publisher.retain("state", "v2").version == 2);
}

TEST_CASE("sharded publishing uses SPUBLISH, also for retained messages") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link, {std::string(default_key_prefix), true});
  Listener listener(server.endpoint(), "shard", "SSUBSCRIBE");
  CHECK(publisher.publish("shard", "a") == 1);
  CHECK(publisher.retain("shard", "b").receivers == 1);
  CHECK(listener.payloads(2) == std::vector<std::string>{"a", "b"});
}

TEST_CASE("a stream keeps order and acknowledges every message, with a small window") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  Listener listener(server.endpoint(), "stream");
  std::vector<Acknowledgement> acks;
  RecordStream stream(link, publisher.options(), [&](const Acknowledgement& ack) { acks.push_back(ack); }, {16, 256});
  constexpr int count = 20000;
  for (int i = 0; i < count; ++i) {
    stream.publish("stream", std::to_string(i));
    CHECK(stream.sent() - stream.acknowledged() <= 16);
  }
  stream.finish();
  CHECK(stream.acknowledged() == count);
  REQUIRE(acks.size() == count);
  for (int i = 0; i < count; ++i) {
    CHECK(acks[static_cast<std::size_t>(i)].message == static_cast<std::uint64_t>(i + 1));
    CHECK(acks[static_cast<std::size_t>(i)].receivers == 1);
  }
  const auto received = listener.payloads(count);
  for (int i = 0; i < count; ++i) {
    REQUIRE(received[static_cast<std::size_t>(i)] == std::to_string(i));
  }
}

TEST_CASE("a retained stream increments the version per message") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  std::vector<long long> versions;
  RecordStream stream(link, publisher.options(), [&](const Acknowledgement& ack) { versions.push_back(ack.version); },
                      {4, 1024});
  for (int i = 0; i < 10; ++i) {
    stream.retain("state", std::to_string(i));
  }
  stream.finish();
  CHECK(versions == std::vector<long long>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  CHECK(link.command({"HGET", retained_state_key(default_key_prefix, "state"), "payload"}).str == "9");
}

TEST_CASE("an error reply mid-stream fails the stream and the count stays honest") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  link.command({"SET", retained_state_key(default_key_prefix, "bad"), "not a hash"});
  Publisher publisher(link);
  RecordStream stream(link, publisher.options(), [](const Acknowledgement&) {}, {64, 4096});
  stream.retain("good", "1");
  stream.retain("bad", "2"); // WRONGTYPE inside the script
  stream.retain("good", "3");
  try {
    stream.finish();
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::server);
    CHECK(std::string(error.what()).find("message 2 failed") != std::string::npos);
    CHECK(std::string(error.what()).find("WRONGTYPE") != std::string::npos);
  }
  // The third was published all the same, and is counted.
  CHECK(stream.acknowledged() == 2);
  CHECK_THROWS_AS(stream.publish("good", "4"), Error);
}

TEST_CASE("without reconnecting, a server that goes away fails the stream as unavailable") {
  RedisServer server;
  LinkOptions options{server.endpoint(), "publisher", {}, 5};
  options.reconnect.enabled = false;
  Link link(options);
  Publisher publisher(link);
  RecordStream stream(link, publisher.options(), [](const Acknowledgement&) {}, {8, 1024});
  stream.publish("ch", "before");
  stream.finish();
  server.stop();
  try {
    for (int i = 0; i < 1000; ++i) {
      stream.publish("ch", "after");
    }
    stream.finish();
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::unavailable);
  }
  CHECK(stream.acknowledged() == 1);
}

TEST_CASE("a stream survives a restart: what was not acknowledged is sent again, and counted once") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  std::vector<std::uint64_t> acks;
  RecordStream stream(link, {}, [&](const Acknowledgement& ack) { acks.push_back(ack.message); }, {8, 1024});
  stream.publish("ch", "before");
  stream.finish();
  server.stop();
  server.start();
  Listener listener(server.endpoint(), "ch");
  constexpr int count = 100;
  for (int i = 0; i < count; ++i) {
    stream.publish("ch", std::to_string(i));
  }
  stream.finish();
  CHECK(link.generation() == 1);
  CHECK(stream.sent() == count + 1);
  CHECK(stream.acknowledged() == count + 1);
  CHECK(acks.size() == count + 1);
  // Lost with the connection, then sent again: every one arrives, in order.
  std::vector<std::string> expected;
  for (int i = 0; i < count; ++i) {
    expected.push_back(std::to_string(i));
  }
  CHECK(listener.payloads(count) == expected);
}

// Issue 22, item 6: a connection that failed is never used again (it may
// still owe the failed command's reply); the next call connects afresh.
TEST_CASE("after a lost connection the failed publish throws unavailable and the next one reconnects") {
  RedisServer server;
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  CHECK(publisher.publish("news", "first") == 0);
  Connection admin = Connection::open(server.endpoint(), "admin");
  // The publisher's connection is closed; the admin's own stays (SKIPME).
  CHECK(admin.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).integer == 1);
  try {
    publisher.publish("news", "lost");
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::unavailable);
  }
  Listener listener(server.endpoint(), "news");
  CHECK(publisher.publish("news", "after") == 1);
  CHECK(listener.payloads(1) == std::vector<std::string>{"after"});
  CHECK(publisher.retain("state", "v1").version == 1);
}

TEST_CASE("a reply that came too late is not taken as the next command's") {
  RedisServer server;
  Endpoint endpoint = server.endpoint();
  endpoint.reply_timeout = std::chrono::milliseconds(200);
  Link link(endpoint, "publisher");
  Publisher publisher(link);
  CHECK(publisher.publish("news", "first") == 0);
  Connection admin = Connection::open(server.endpoint(), "admin");
  // Writes (scripts, PUBLISH) wait while the server is paused: the retain's
  // reply comes after its timeout, on a connection that must be dropped.
  admin.command({"CLIENT", "PAUSE", "10000", "WRITE"});
  try {
    publisher.retain("state", "v1");
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::unavailable);
  }
  admin.command({"CLIENT", "UNPAUSE"});
  // On the old connection this would read the retain's late reply, a pair.
  CHECK(publisher.publish("news", "after") == 0);
  // (The paused retain was dropped with its connection, or ran: either way
  // this one's own reply is read.)
  CHECK(publisher.retain("state", "v2").version >= 1);
  CHECK(admin.command({"HGET", "statesync:state:state", "payload"}).str == "v2");
}
