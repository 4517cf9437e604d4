// One rule for every reader's first connection: with a give-up time, a
// server that is not up yet is waited for (told as "not connected", then
// "reconnected" once it is up, and the reader works); without one, the
// failure is the answer at once; a server that never comes is "not
// reachable", not "not back".

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/key_watcher.hpp>
#include <statesync/stream_reader.hpp>
#include <statesync/subscriber.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::RedisServer;

namespace {

template <class Options>
Options patient(Options options, const RedisServer& server) {
  options.endpoint = server.endpoint();
  options.client_name = "statesync-test-first";
  options.reconnect.give_up_after = 60s;
  options.reconnect.first_delay = 20ms;
  return options;
}

// The reader's events until the first of `type` (the server not being up
// is told first, then it is waited for).
template <class Reader, class Type>
auto next_of(Reader& reader, Type type) {
  for (;;) {
    auto event = reader.next(Clock::now() + 20s);
    REQUIRE(event);
    if (event->type == type) {
      return *event;
    }
  }
}

} // namespace

TEST_CASE("a subscriber, a key watcher and a stream reader wait for a server not up yet when given a give-up time") {
  RedisServer server;
  server.stop();

  SubscriberOptions channel;
  channel.names = {"ch"};
  Subscriber subscriber(patient(channel, server));
  KeyWatcherOptions key;
  key.keys = {"k"};
  KeyWatcher watcher(patient(key, server));
  StreamReaderOptions stream;
  stream.keys = {"st"};
  stream.from = parse_stream_start("$");
  StreamReader reader(patient(stream, server));

  CHECK(subscriber.next(Clock::now() + 5s)->type == SubscriberEvent::Type::not_connected);
  CHECK(watcher.next(Clock::now() + 5s)->type == KeyWatchEvent::Type::not_connected);
  CHECK(reader.next(Clock::now() + 5s)->type == StreamEvent::Type::not_connected);

  server.start();
  next_of(subscriber, SubscriberEvent::Type::reconnected);
  next_of(watcher, KeyWatchEvent::Type::reconnected);
  next_of(reader, StreamEvent::Type::reconnected);

  auto admin = Connection::open(server.endpoint(), "statesync-test-admin");
  admin.command({"SET", "k", "v"});
  // The key's first report may be its absence, read when the watch began.
  while (next_of(watcher, KeyWatchEvent::Type::change).change.value.bytes != "v") {
  }
  admin.command({"XADD", "st", "*", "f", "1"});
  CHECK(next_of(reader, StreamEvent::Type::entry).entry.fields.at(0).second == "1");
  // The subscription is confirmed by the time PUBLISH counts it.
  while (admin.command({"PUBLISH", "ch", "m"}).integer == 0) {
  }
  CHECK(next_of(subscriber, SubscriberEvent::Type::message).message.payload == "m");
}

// A reader given 0.2 s to reach a server that never comes: told as not
// connected, then ended by the link's give-up ("not reachable"), not
// started over (a stream reader used to take its give-up as one more lost
// connection, forever).
template <class Reader, class Options, class Type>
void gives_up_unreached(Options options, Type not_connected) {
  RedisServer server;
  server.stop();
  options = patient(options, server);
  options.reconnect.give_up_after = 200ms;
  Reader reader(options);
  CHECK(reader.next(Clock::now() + 5s)->type == not_connected);
  CHECK_THROWS_WITH_AS(while (reader.next(Clock::now() + 20s)){}, doctest::Contains("not reachable within 0.2s"),
                       Error);
}

TEST_CASE("a first connection that never succeeds ends as not reachable, not as not back") {
  KeyWatcherOptions key;
  key.keys = {"k"};
  gives_up_unreached<KeyWatcher>(key, KeyWatchEvent::Type::not_connected);
  StreamReaderOptions stream;
  stream.keys = {"st"};
  gives_up_unreached<StreamReader>(stream, StreamEvent::Type::not_connected);
}
