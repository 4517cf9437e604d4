// The readers against servers that stop answering (issue 22): a
// StreamReader (plain or in a group) or a KeyWatcher whose server freezes
// (SIGSTOP) or whose port is taken by a listener that never answers finds
// the silence (a blocking read past its bound, a keepalive PING
// unanswered) and gives up by its give-up time with Error(unavailable),
// rather than reconnecting forever. No timing is asserted: a reader still
// at it far past its give-up time is stopped by a watchdog and fails.

#include "redis_server.hpp"
#include "silent_listener.hpp"
#include "watchdog.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/key_watcher.hpp>
#include <statesync/stream_reader.hpp>

#include <doctest/doctest.h>

#include <optional>

using namespace statesync;
using namespace std::chrono_literals;
using statesync::testing::ends_within;
using statesync::testing::RedisServer;
using statesync::testing::SilentListener;
using statesync::testing::Wake;

namespace {

constexpr std::chrono::milliseconds give_up{500};
constexpr std::chrono::milliseconds short_timeout{200};
// Far past every bound here (a blocking read's second, the reply timeout,
// the give-up time): only a reader that does not give up reaches it.
constexpr std::chrono::milliseconds watchdog{15000};

Endpoint impatient(const RedisServer& server) {
  Endpoint endpoint = server.endpoint();
  endpoint.connect_timeout = short_timeout;
  endpoint.reply_timeout = short_timeout;
  return endpoint;
}

ReconnectPolicy giving_up() {
  ReconnectPolicy policy;
  policy.give_up_after = give_up;
  return policy;
}

StreamReaderOptions tailing(const RedisServer& server, bool group) {
  StreamReaderOptions options;
  options.endpoint = impatient(server);
  options.client_name = "statesync-test-tail";
  options.keys = {"st"};
  options.from = parse_stream_start("0");
  options.reconnect = giving_up();
  if (group) {
    StreamGroupOptions g;
    g.name = "g";
    g.consumer = "c1";
    g.start = "0";
    options.group = g;
  }
  return options;
}

KeyWatcherOptions watching(const RedisServer& server) {
  KeyWatcherOptions options;
  options.endpoint = impatient(server);
  options.client_name = "statesync-test-watch";
  options.keys = {"k"};
  options.reconnect = giving_up();
  options.keepalive = short_timeout;
  return options;
}

// Reads every event until the reader throws; the kind of what it threw,
// or nothing when the watchdog's wake fd ended a wait first.
template <class Reader>
std::optional<ErrorKind> kind_it_ends_with(Reader& reader) {
  try {
    while (reader.next(std::nullopt)) {
    }
  } catch (const Error& error) {
    return error.kind();
  }
  return std::nullopt;
}

// The server goes silent in one of two ways once `reader` is reading.
enum class Silence { frozen, replaced };

void silence(RedisServer& server, Silence how, std::optional<SilentListener>& listener) {
  if (how == Silence::frozen) {
    server.freeze();
    return;
  }
  const int port = server.endpoint().port;
  server.stop();
  listener.emplace(port);
}

template <class Reader>
void gives_up(RedisServer& server, Reader& reader, Silence how) {
  const Wake wake;
  reader.set_wake_fd(wake.fd());
  std::optional<SilentListener> listener;
  silence(server, how, listener);
  std::optional<ErrorKind> kind;
  CHECK(ends_within(watchdog, wake, [&] { kind = kind_it_ends_with(reader); }));
  CHECK(kind == ErrorKind::unavailable);
}

void add_entry(const RedisServer& server) {
  auto writer = Connection::open(server.endpoint(), "statesync-test-writer");
  writer.command({"XADD", "st", "*", "payload", "before"});
}

void read_first_entry(StreamReader& reader) {
  for (;;) {
    auto event = reader.next(Clock::now() + 5s);
    REQUIRE(event);
    if (event->type == StreamEvent::Type::entry) {
      return;
    }
  }
}

} // namespace

TEST_CASE("a stream reader whose server goes silent gives up by its give-up time") {
  for (const bool group : {false, true}) {
    for (const Silence how : {Silence::frozen, Silence::replaced}) {
      CAPTURE(group);
      CAPTURE(how == Silence::frozen ? "frozen" : "a listener that never answers");
      RedisServer server;
      add_entry(server);
      StreamReader reader(tailing(server, group));
      read_first_entry(reader);
      gives_up(server, reader, how);
    }
  }
}

TEST_CASE("a key watcher whose server goes silent finds it by its keepalive and gives up by its give-up time") {
  for (const Silence how : {Silence::frozen, Silence::replaced}) {
    CAPTURE(how == Silence::frozen ? "frozen" : "a listener that never answers");
    RedisServer server;
    Connection::open(server.endpoint(), "statesync-test-writer").command({"SET", "k", "v0"});
    KeyWatcher watcher(watching(server));
    auto first = watcher.next(Clock::now() + 5s);
    REQUIRE(first);
    REQUIRE(first->type == KeyWatchEvent::Type::change);
    gives_up(server, watcher, how);
  }
}

TEST_CASE("a key watcher's read of a changed key ends by the caller's deadline when the server freezes") {
  RedisServer server;
  auto writer = Connection::open(server.endpoint(), "statesync-test-writer");
  writer.command({"SET", "k", "v0"});
  KeyWatcherOptions options = watching(server);
  options.endpoint.reply_timeout = 10s; // the default: far past the deadline below
  options.keepalive.reset();
  options.reconnect = {};
  KeyWatcher watcher(options);
  auto first = watcher.next(Clock::now() + 5s);
  REQUIRE(first);
  REQUIRE(first->type == KeyWatchEvent::Type::change);
  const Wake wake;
  watcher.set_wake_fd(wake.fd());
  writer.command({"SET", "k", "v1"});
  // A round trip after the SET: the invalidation it caused has been sent
  // to the watcher, which reads the key on receiving it, from a server
  // that no longer answers.
  writer.command({"PING"});
  server.freeze();
  const std::chrono::milliseconds deadline{500};
  std::optional<KeyWatchEvent> event;
  CHECK(ends_within(10 * deadline, wake, [&] { event = watcher.next(Clock::now() + deadline); }));
  // The read not answered by then is a gap, as one past the reply timeout is.
  REQUIRE(event);
  CHECK(event->type == KeyWatchEvent::Type::connection_lost);
}

TEST_CASE("a stream reader's next ends by its deadline while it reconnects to a server that never answers") {
  RedisServer server;
  add_entry(server);
  StreamReaderOptions options = tailing(server, false);
  // Connecting and the handshake far past the deadline below: only the
  // deadline can end them.
  options.endpoint.connect_timeout = 10s;
  options.endpoint.reply_timeout = 10s;
  options.reconnect = {};
  StreamReader reader(options);
  read_first_entry(reader);
  const Wake wake;
  reader.set_wake_fd(wake.fd());
  std::optional<SilentListener> listener;
  silence(server, Silence::replaced, listener);
  const std::chrono::milliseconds deadline{500};
  CHECK(ends_within(10 * deadline, wake, [&] {
    // The loss, then attempts at a listener whose handshake never comes.
    for (int call = 0; call < 3; ++call) {
      (void)reader.next(Clock::now() + deadline);
    }
  }));
}
