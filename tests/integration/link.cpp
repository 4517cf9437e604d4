// The link against real servers: commands on one server, reconnecting
// after a restart (with the reconnection told), the first connection
// retried only with a give-up time, and every wait ended by the wake fd.

#include "redis_server.hpp"

#include <statesync/error.hpp>
#include <statesync/link.hpp>

#include <doctest/doctest.h>

#include <array>
#include <string>

#include <unistd.h>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::free_port;
using statesync::testing::RedisServer;

namespace {

// A pipe whose read end is readable: a wake that has happened.
struct WokenPipe {
  int fds[2] = {-1, -1};
  WokenPipe() {
    REQUIRE(::pipe(fds) == 0);
    REQUIRE(::write(fds[1], "x", 1) == 1);
  }
  ~WokenPipe() {
    ::close(fds[0]);
    ::close(fds[1]);
  }
};

Endpoint nowhere() {
  Endpoint endpoint;
  endpoint.port = free_port();
  endpoint.connect_timeout = 500ms;
  return endpoint;
}

} // namespace

TEST_CASE("a link runs commands on one server and pipelines on its connection") {
  RedisServer server;
  Link link(server.endpoint(), "link-test");
  CHECK(link.command({"SET", "k", "v"}).is_status("OK"));
  Connection& connection = link.connection();
  connection.append({"GET", "k"});
  connection.append({"INCR", "n"});
  connection.flush();
  CHECK(connection.read_reply().str == "v");
  CHECK(connection.read_reply().integer == 1);
  CHECK(link.where() == server.endpoint().where());
}

TEST_CASE("after a restart a link connects again and says so") {
  RedisServer server;
  Link link(server.endpoint(), "link-test");
  int reconnections = 0;
  link.on_reconnect([&] { ++reconnections; });
  REQUIRE(link.connect());
  server.stop();
  std::optional<Error> lost;
  try {
    link.command({"PING"});
  } catch (const Error& error) {
    lost = error;
  }
  REQUIRE(lost);
  CHECK(lost->kind() == ErrorKind::unavailable);
  server.start();
  CHECK(link.recover(*lost));
  CHECK(link.generation() == 1);
  CHECK(reconnections == 1);
  CHECK(link.command({"PING"}).is_status("PONG"));
}

TEST_CASE("without reconnecting, a lost connection is the caller's failure") {
  RedisServer server;
  LinkOptions options{server.endpoint(), "link-test", {}, 5};
  options.reconnect.enabled = false;
  Link link(options);
  REQUIRE(link.connect());
  const Error lost(ErrorKind::unavailable, "connection lost");
  CHECK_THROWS_WITH(link.recover(lost), "connection lost");
  const Error refused(ErrorKind::server, "ERR no");
  CHECK_THROWS_WITH(link.recover(refused), "ERR no");
}

TEST_CASE("a first connection fails at once without a give-up time, and is retried with one") {
  Link at_once(nowhere(), "link-test");
  CHECK_THROWS_AS(at_once.connect(), Error);

  LinkOptions options{nowhere(), "link-test", {}, 5};
  options.reconnect.give_up_after = 300ms;
  options.reconnect.first_delay = 50ms;
  Link patient(options);
  CHECK_THROWS_WITH_AS(patient.connect(), doctest::Contains("not reachable within 0.3s"), Error);
}

TEST_CASE("a wake ends the link's waits: the backoff and a pause") {
  LinkOptions options{nowhere(), "link-test", {}, 5};
  options.reconnect.first_delay = 60s;
  options.reconnect.max_delay = 60s;
  options.reconnect.give_up_after = 120s;
  Link link(options);
  WokenPipe woken;
  link.set_wake_fd(woken.fds[0]);
  CHECK_FALSE(link.connect());
  CHECK_FALSE(link.pause_until(Clock::now() + 60s));
}

TEST_CASE("a link gives a connection of its own for push traffic, with its client id") {
  RedisServer server;
  Link link(server.endpoint(), "link-test");
  PushConnection push = link.open_push();
  const Reply id = push.connection.command({"CLIENT", "ID"});
  CHECK(id.integer == push.client_id);
  CHECK(link.command({"CLIENT", "ID"}).integer != push.client_id);
}

TEST_CASE("an ASK that fails leaves no connection owing its replies: the next ASK reads its own") {
  // A cluster node (ASKING is taken) that stops answering for one ASK.
  RedisServer node({"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf"});
  Endpoint endpoint = node.endpoint();
  endpoint.reply_timeout = 300ms;
  Link link(endpoint, "link-test");
  Connection& asking = link.connection();
  Reply redirected;
  redirected.type = Reply::Type::error;
  redirected.error_code = ServerError::ask;
  redirected.str = "ASK 1 127.0.0.1:" + std::to_string(endpoint.port);
  const auto ask = [&](std::string_view word) {
    const std::array<std::string_view, 2> args = {"ECHO", word};
    return link.ask(redirected, asking, args);
  };
  CHECK(ask("first").str == "first");
  node.freeze();
  CHECK_THROWS_AS(ask("second"), Error);
  node.thaw();
  CHECK(ask("third").str == "third");
}
