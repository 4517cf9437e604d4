// The library's KeyWatcher against a real redis-server: initial values,
// changes by any writer, deletion, FLUSHALL, patterns, and a lost server.

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/key_watcher.hpp>

#include <doctest/doctest.h>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::RedisServer;

namespace {

KeyWatcherOptions watching(const RedisServer& server, std::vector<std::string> keys,
                           std::vector<std::string> patterns = {}) {
  KeyWatcherOptions options;
  options.endpoint = server.endpoint();
  options.client_name = "statesync-test-watch";
  options.keys = std::move(keys);
  options.patterns = std::move(patterns);
  return options;
}

KeyChange next_change(KeyWatcher& watcher) {
  for (;;) {
    auto event = watcher.next(Clock::now() + 5s);
    REQUIRE(event);
    if (event->type == KeyWatchEvent::Type::change) {
      return event->change;
    }
  }
}

} // namespace

TEST_CASE("a key watcher reports the current values, then every change, deletion included") {
  RedisServer server;
  auto writer = Connection::open(server.endpoint(), "statesync-test-writer");
  writer.command({"SET", "a", "1"});
  KeyWatcher watcher(watching(server, {"a", "b"}));
  KeyChange first = next_change(watcher);
  CHECK(first.key == "a");
  CHECK(first.value.bytes == "1");
  CHECK_FALSE(watcher.next(Clock::now() + 20ms));

  writer.command({"HSET", "b", "f", "v"});
  KeyChange hash = next_change(watcher);
  CHECK(hash.key == "b");
  CHECK(hash.value.type == KeyValue::Type::hash);
  CHECK(hash.value.pairs == std::vector<std::pair<std::string, std::string>>{{"f", "v"}});

  writer.command({"DEL", "a"});
  KeyChange deleted = next_change(watcher);
  CHECK(deleted.key == "a");
  CHECK(deleted.event == KeyChange::Event::deleted);

  writer.command({"FLUSHALL"});
  KeyChange flushed = next_change(watcher);
  CHECK(flushed.key == "b");
  CHECK(flushed.event == KeyChange::Event::deleted);
}

TEST_CASE("a write that leaves the value as reported is not reported again") {
  RedisServer server;
  auto writer = Connection::open(server.endpoint(), "statesync-test-writer");
  writer.command({"SET", "a", "same"});
  KeyWatcher watcher(watching(server, {"a"}));
  CHECK(next_change(watcher).value.bytes == "same");
  writer.command({"SET", "a", "same"});
  writer.command({"SET", "a", "other"});
  CHECK(next_change(watcher).value.bytes == "other");
}

TEST_CASE("a pattern reports the keys it matches, also keys created later") {
  RedisServer server;
  auto writer = Connection::open(server.endpoint(), "statesync-test-writer");
  writer.command({"SET", "app:1", "x"});
  KeyWatcher watcher(watching(server, {}, {"app:*"}));
  KeyChange first = next_change(watcher);
  CHECK(first.key == "app:1");
  CHECK(first.pattern == "app:*");
  writer.command({"SET", "nope", "y"});
  writer.command({"SET", "app:2", "z"});
  CHECK(next_change(watcher).key == "app:2");
}

TEST_CASE("without reconnecting, a lost server is an error") {
  auto server = std::make_unique<RedisServer>();
  KeyWatcherOptions options = watching(*server, {"a"});
  options.reconnect.enabled = false;
  KeyWatcher watcher(options);
  server->stop();
  CHECK_THROWS_AS(watcher.next(Clock::now() + 5s), Error);
}
