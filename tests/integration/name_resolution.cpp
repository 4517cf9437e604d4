// Name resolution that never answers (a DNS server gone silent): a connect
// ends by its deadline, and a lease kept through a reconnection is lost by
// its give-up point, not after the resolver's own timeouts.
//
// No DNS server can be made to hang on loopback without root (resolv.conf
// is the system's), so this binary puts its own getaddrinfo in front of
// libc's: the name below blocks until the test lets it go; every other
// name goes to libc's as usual.

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/lock_session.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <dlfcn.h>
#include <mutex>
#include <netdb.h>
#include <poll.h>
#include <string>

using namespace statesync;
using namespace statesync::testing;
using std::chrono::milliseconds;

namespace {

constexpr const char* slow_name = "resolver-hangs.statesync.test";

// The name resolves to loopback until hang() is called, then blocks until
// the Hanging scope ends (or a bound far past every test's).
struct Resolver {
  std::mutex mutex;
  std::condition_variable released;
  bool hanging = false;
};

Resolver& resolver() {
  static Resolver instance;
  return instance;
}

class Hanging {
public:
  Hanging() {
    const std::lock_guard<std::mutex> guard(resolver().mutex);
    resolver().hanging = true;
  }
  Hanging(const Hanging&) = delete;
  Hanging& operator=(const Hanging&) = delete;
  ~Hanging() {
    const std::lock_guard<std::mutex> guard(resolver().mutex);
    resolver().hanging = false;
    resolver().released.notify_all();
  }
};

using GetAddrInfo = int (*)(const char*, const char*, const addrinfo*, addrinfo**);

GetAddrInfo libc_getaddrinfo() {
  static const auto real = reinterpret_cast<GetAddrInfo>(::dlsym(RTLD_NEXT, "getaddrinfo"));
  return real;
}

bool readable_within(int fd, milliseconds limit) {
  pollfd ready{fd, POLLIN, 0};
  return ::poll(&ready, 1, static_cast<int>(limit.count())) == 1;
}

} // namespace

extern "C" int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** result) {
  // A numeric lookup asks no DNS server: it does not hang.
  const bool numeric = hints != nullptr && (hints->ai_flags & AI_NUMERICHOST) != 0;
  if (node != nullptr && !numeric && std::string(node) == slow_name) {
    {
      std::unique_lock<std::mutex> guard(resolver().mutex);
      resolver().released.wait_for(guard, std::chrono::seconds(60), [] { return !resolver().hanging; });
    }
    node = "127.0.0.1";
  }
  return libc_getaddrinfo()(node, service, hints, result);
}

TEST_CASE("a connect whose name resolution hangs ends by its connect timeout") {
  const Hanging hanging;
  Endpoint endpoint;
  endpoint.host = slow_name;
  endpoint.port = free_port();
  endpoint.connect_timeout = milliseconds(200);
  try {
    Connection::open(endpoint, "resolve-test");
    FAIL("connected");
  } catch (const Error& error) {
    INFO(std::string(error.what()));
    CHECK(error.kind() == ErrorKind::unavailable);
    CHECK(std::string(error.what()).find("resolving the name timed out") != std::string::npos);
  }
}

// Kept through a reconnection (the server closed the connection): the new
// connection's name resolution hangs, with connect and reply timeouts far
// longer than the lease. The loss is told by the give-up point; before,
// the session's thread sat in getaddrinfo until the resolver let go.
TEST_CASE("a lease whose reconnection's name resolution hangs is lost, not held in getaddrinfo") {
  RedisServer server;
  LockSessionOptions options;
  options.link.endpoint = server.endpoint();
  options.link.endpoint.host = slow_name;
  options.link.endpoint.connect_timeout = milliseconds(60000);
  options.link.endpoint.reply_timeout = milliseconds(60000);
  options.link.client_name = "resolve-test";
  options.lock.name = "job";
  options.lock.ttl = milliseconds(1500);
  options.wait = milliseconds(0);
  auto session = LockSession::start(options);
  REQUIRE(session);
  const Hanging hanging;
  Link admin(server.endpoint(), "admin");
  REQUIRE(admin.command({"CLIENT", "KILL", "TYPE", "normal", "SKIPME", "yes"}).integer >= 1);
  // A bound for a hang only: the resolver lets go after 60 s.
  REQUIRE(readable_within(session->lost_fd(), milliseconds(20000)));
  CHECK(session->lost());
}
