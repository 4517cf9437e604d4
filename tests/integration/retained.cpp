// Reading a channel's retained state once, against a real redis-server:
// what a retain left, nothing when none is kept or it was cleared, and the
// server's error when the key holds something else.

#include "redis_server.hpp"

#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace statesync;
using statesync::testing::RedisServer;

TEST_CASE("read_retained_state returns what the last retain left") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "reader");
  CHECK_FALSE(read_retained_state(connection, "config"));
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link);
  publisher.retain("config", "v1");
  const std::string binary("v\0002\r\n", 5);
  publisher.retain("config", binary);
  const auto state = read_retained_state(connection, "config");
  REQUIRE(state);
  CHECK(state->payload == binary);
  CHECK(state->version == 2);
  publisher.clear("config");
  CHECK_FALSE(read_retained_state(connection, "config"));
}

TEST_CASE("read_retained_state reads under the prefix it is given") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "reader");
  Link link(server.endpoint(), "publisher");
  Publisher publisher(link, {"app:", false});
  publisher.retain("config", "v1");
  CHECK_FALSE(read_retained_state(connection, "config"));
  const auto state = read_retained_state(connection, "config", "app:");
  REQUIRE(state);
  CHECK(state->payload == "v1");
  CHECK(state->version == 1);
}

TEST_CASE("a state key of another type is the server's error, a malformed state a protocol error") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "reader");
  connection.command({"SET", retained_state_key(default_key_prefix, "text"), "not a hash"});
  try {
    read_retained_state(connection, "text");
    FAIL("expected the server's error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::server);
    CHECK(error.server_error() == ServerError::wrongtype);
  }
  connection.command({"HSET", retained_state_key(default_key_prefix, "odd"), "payload", "x", "version", "two"});
  try {
    read_retained_state(connection, "odd");
    FAIL("expected a protocol error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::protocol);
  }
}
