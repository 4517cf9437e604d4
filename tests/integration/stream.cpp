// The stream writer and reader against a real redis-server: entries byte
// for byte with their IDs, start points, the end, resume points, a
// refused ID's honest count, and a group's acknowledgements.

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/stream_reader.hpp>
#include <statesync/stream_writer.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace statesync;
using statesync::testing::free_port;
using statesync::testing::RedisServer;

namespace {

std::vector<std::string> write(const Endpoint& endpoint, const std::string& key, const std::vector<std::string>& all,
                               StreamWriterOptions options = {}) {
  std::vector<std::string> ids;
  StreamWriter writer(endpoint, "writer", std::move(options),
                      [&](const Acknowledgement& ack) { ids.push_back(ack.entry_id); });
  for (const auto& payload : all) {
    writer.publish(key, payload);
  }
  writer.finish();
  CHECK(writer.acknowledged() == all.size());
  return ids;
}

StreamReaderOptions reading(const Endpoint& endpoint, std::string_view from) {
  StreamReaderOptions options;
  options.endpoint = endpoint;
  options.client_name = "reader";
  options.keys = {"ev"};
  options.from = parse_stream_start(from);
  options.stop_at_end = true;
  return options;
}

std::vector<StreamEntry> read_all(StreamReader& reader) {
  std::vector<StreamEntry> entries;
  while (auto event = reader.next(std::nullopt)) {
    REQUIRE(event->type == StreamEvent::Type::entry);
    entries.push_back(event->entry);
  }
  CHECK(reader.finished());
  return entries;
}

} // namespace

TEST_CASE("entries go in with their IDs and come out byte for byte") {
  RedisServer server;
  const std::string binary("a\0b\r\n\xff", 6);
  const auto ids = write(server.endpoint(), "ev", {"one", binary, ""});
  REQUIRE(ids.size() == 3);
  StreamReader reader(reading(server.endpoint(), "0"));
  const auto entries = read_all(reader);
  REQUIRE(entries.size() == 3);
  CHECK(entries[1].id.str() == ids[1]);
  CHECK(entries[1].stream == "ev");
  CHECK(*entries[1].field("payload") == binary);
  CHECK(*entries[2].field("payload") == "");
}

TEST_CASE("start points and resume points") {
  RedisServer server;
  const auto ids = write(server.endpoint(), "ev", {"0", "1", "2", "3"});
  auto payloads = [&](StreamReaderOptions options) {
    StreamReader reader(std::move(options));
    std::vector<std::string> out;
    for (const auto& entry : read_all(reader)) {
      out.push_back(*entry.field("payload"));
    }
    return out;
  };
  CHECK(payloads(reading(server.endpoint(), "$")).empty());
  CHECK(payloads(reading(server.endpoint(), "-2")) == std::vector<std::string>{"2", "3"});
  CHECK(payloads(reading(server.endpoint(), ids[1])) == std::vector<std::string>{"1", "2", "3"});
  auto resumed = reading(server.endpoint(), "0");
  resumed.resume["ev"] = StreamId::parse(ids[2]);
  CHECK(payloads(resumed) == std::vector<std::string>{"3"});
  auto until = reading(server.endpoint(), "0");
  until.stop_at_end = false;
  until.until = StreamId::parse(ids[0]);
  CHECK(payloads(until) == std::vector<std::string>{"0"});
}

TEST_CASE("poll_all takes every event already read, in order, after what the caller holds") {
  RedisServer server;
  std::vector<std::string> payloads;
  for (int i = 0; i < 2500; ++i) {
    payloads.push_back(std::to_string(i));
  }
  write(server.endpoint(), "ev", payloads);
  auto options = reading(server.endpoint(), "0");
  options.batch = 1000;
  StreamReader reader(options);
  std::vector<StreamEvent> events;
  while (auto first = reader.next(std::nullopt)) {
    events.push_back(std::move(*first));
    const std::size_t before = events.size();
    reader.poll_all(events);
    CHECK(events.size() > before); // a read of many entries: the rest came with the first
    CHECK_FALSE(reader.poll());
  }
  REQUIRE(events.size() == payloads.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    CHECK(*events[i].entry.field("payload") == payloads[i]);
  }
  std::vector<StreamEvent> none;
  reader.poll_all(none);
  CHECK(none.empty());
}

TEST_CASE("a refused ID stops the writer with the server's words and the honest count") {
  RedisServer server;
  write(server.endpoint(), "ev", {"first"}, {"payload", "10-0", {}, {}, {}});
  StreamWriter writer(server.endpoint(), "writer", {"payload", "5-0", {}, {}, {}}, [](const Acknowledgement&) {});
  writer.publish("ev", "late");
  try {
    writer.finish();
    FAIL("no error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::server);
    CHECK(std::string(error.what()).find("equal or smaller") != std::string::npos);
  }
  CHECK(writer.acknowledged() == 0);
}

TEST_CASE("a group hands out each entry once and keeps what is not acknowledged pending") {
  RedisServer server;
  write(server.endpoint(), "ev", {"a", "b"});
  auto options = reading(server.endpoint(), "$");
  options.group = StreamGroupOptions{"g", "c1", "0", {}, {}, {}};
  {
    StreamReader reader(options);
    const auto entries = read_all(reader);
    REQUIRE(entries.size() == 2);
    reader.acknowledge(entries[0]);
    reader.close();
  }
  auto connection = Connection::open(server.endpoint(), "check");
  const Reply pending = connection.command({"XPENDING", "ev", "g"});
  REQUIRE(pending.type == Reply::Type::array);
  CHECK(pending.elements[0].integer == 1);
  StreamReader again(options); // its own pending entry first
  const auto entries = read_all(again);
  REQUIRE(entries.size() == 1);
  CHECK(*entries[0].field("payload") == "b");
}

TEST_CASE("a key of another type is refused before anything is read") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "setup");
  connection.command({"SET", "ev", "x"});
  CHECK_THROWS_AS(StreamReader(reading(server.endpoint(), "0")), Error);
  CHECK_THROWS_WITH_AS(parse_stream_start("@not a time"), doctest::Contains("is not a time"), Error);
}

TEST_CASE("a writer trimming by length and by age follows a failover: the trim refused with its entry is not fatal") {
  RedisServer server;
  Connection admin = Connection::open(server.endpoint(), "statesync-test");
  StreamWriterOptions options;
  // Both limits: an XTRIM follows every XADD, and a demoted master refuses both.
  options.trim.max_length = 1000;
  options.trim.max_age = std::chrono::hours(1);
  options.reconnect.give_up_after = std::chrono::seconds(10);
  std::vector<std::string> ids;
  StreamWriter writer(server.endpoint(), "writer", options,
                      [&](const Acknowledgement& ack) { ids.push_back(ack.entry_id); });
  // The server is a master again by the time the writer has reconnected.
  writer.on_reconnect([&](const std::string&) { REQUIRE(admin.command({"REPLICAOF", "NO", "ONE"}).is_status("OK")); });
  writer.publish("ev", "before");
  writer.finish();

  // Demoted (a replica of a master that never answers): READONLY to writes.
  REQUIRE(admin.command({"REPLICAOF", "127.0.0.1", std::to_string(free_port())}).is_status("OK"));
  writer.publish("ev", "after");
  writer.finish();

  CHECK(writer.acknowledged() == 2);
  const Reply entries = admin.command({"XRANGE", "ev", "-", "+"});
  REQUIRE(entries.elements.size() == 2);
  CHECK(entries.elements[1].elements[1].elements[1].str == "after");
}
