// The library against a real redis-server that the fixture starts.

#include "protocol/lua_scripts.hpp"
#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>

#include <doctest/doctest.h>

using namespace statesync;
using statesync::testing::RedisServer;

TEST_CASE("a connection sends commands and reads their replies") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  CHECK(connection.command({"SET", "k", std::string_view("v\0w", 3)}).is_status("OK"));
  const Reply value = connection.command({"GET", "k"});
  CHECK(value.str == std::string("v\0w", 3));
  CHECK(connection.command({"CLIENT", "GETNAME"}).str == "statesync-test");
}

TEST_CASE("with name_with_first_command the name goes out with the first command, and NOAUTH still says why") {
  RedisServer server;
  Endpoint endpoint = server.endpoint();
  endpoint.name_with_first_command = true;
  auto named = Connection::open(endpoint, "statesync-test");
  CHECK(named.command({"CLIENT", "GETNAME"}).str == "statesync-test");

  auto admin = Connection::open(server.endpoint(), "admin");
  REQUIRE(admin.command({"CONFIG", "SET", "requirepass", "s3cret"}).is_status("OK"));
  auto refused = Connection::open(endpoint, "statesync-test");
  try {
    refused.command({"PING"});
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::refused);
    CHECK(std::string(error.what()).find("requires a password: NOAUTH") != std::string::npos);
  }
  endpoint.password = "s3cret";
  auto authenticated = Connection::open(endpoint, "statesync-test");
  CHECK(authenticated.command({"CLIENT", "GETNAME"}).str == "statesync-test");
}

TEST_CASE("a pipeline of many commands reads its replies in order") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  constexpr int count = 20000;
  for (int i = 0; i < count; ++i) {
    connection.append({"INCR", "counter"});
  }
  for (int i = 1; i <= count; ++i) {
    const Reply reply = connection.read_reply();
    REQUIRE(reply.integer == i);
  }
}

TEST_CASE("connections are values: several at once, moved around") {
  RedisServer first;
  RedisServer second;
  std::vector<Connection> connections;
  connections.push_back(Connection::open(first.endpoint(), "a"));
  connections.push_back(Connection::open(second.endpoint(), "b"));
  connections[0].command({"SET", "where", "first"});
  connections[1].command({"SET", "where", "second"});
  Connection moved = std::move(connections[1]);
  CHECK(connections[0].command({"GET", "where"}).str == "first");
  CHECK(moved.command({"GET", "where"}).str == "second");
}

TEST_CASE("error replies are returned; expect_ok turns them into classified errors") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  const Reply reply = connection.command({"NOSUCHCOMMAND"});
  CHECK(reply.is_error());
  try {
    expect_ok(reply, "NOSUCHCOMMAND");
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::server);
  }
}

TEST_CASE("a server that goes away is reported as unavailable") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  server.stop();
  try {
    connection.command({"PING"});
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::unavailable);
  }
}

TEST_CASE("read_reply_until returns nothing when its deadline passes") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  connection.command({"SUBSCRIBE", "quiet"});
  CHECK_FALSE(connection.read_reply_until(Clock::now() + std::chrono::milliseconds(50)));
}

TEST_CASE("the SHA1 computed at build time is the one the server gives each script") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  const std::pair<std::string_view, std::string_view> scripts[] = {
      {detail::lua::retain_publish, detail::lua::retain_publish_sha1},
      {detail::lua::clear_retained, detail::lua::clear_retained_sha1},
      {detail::lua::lock, detail::lua::lock_sha1},
      {detail::lua::retained_matching, detail::lua::retained_matching_sha1}};
  for (const auto& [body, sha1] : scripts) {
    CHECK(connection.command({"SCRIPT", "LOAD", body}).str == sha1);
  }
}

TEST_CASE("a connection counts the replies it owes, and a command while some are owed is refused") {
  RedisServer server;
  auto connection = Connection::open(server.endpoint(), "statesync-test");
  CHECK(connection.replies_owed() == 0);
  connection.append({"ECHO", "first"});
  connection.append({"ECHO", "second"});
  CHECK(connection.replies_owed() == 2);
  try {
    connection.command({"ECHO", "third"});
    FAIL("expected an error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::usage);
  }
  CHECK(connection.read_reply().str == "first");
  CHECK(connection.replies_owed() == 1);
  CHECK(connection.read_reply().str == "second");
  CHECK(connection.replies_owed() == 0);
  CHECK(connection.command({"ECHO", "third"}).str == "third");
  CHECK(connection.replies_owed() == 0);
}

TEST_CASE("the handshake's replies are not the caller's to read") {
  RedisServer server;
  Endpoint endpoint = server.endpoint();
  endpoint.name_with_first_command = true;
  endpoint.db = 2;
  auto connection = Connection::open(endpoint, "statesync-test");
  CHECK(connection.replies_owed() == 0);
  CHECK(connection.command({"CLIENT", "GETNAME"}).str == "statesync-test");
}
