// Which errors say that a failover or a slot migration is under way: told
// by the server's code, never by the words of the message, which quote
// names a user chose.

#include "protocol/resp.hpp"

#include "topology/failover.hpp"
#include <statesync/error.hpp>
#include <statesync/reply.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace statesync;

namespace {

Error server_error(const std::string& words, const std::string& context = "lock 'a'") {
  detail::ReplyReader reader;
  const std::string bytes = "-" + words + "\r\n";
  reader.feed(bytes.data(), bytes.size());
  const auto reply = reader.next();
  REQUIRE(reply);
  return Error(*reply, context);
}

} // namespace

TEST_CASE("a demoted master, a moved slot and a cluster in trouble suggest a failover") {
  CHECK(suggests_failover(server_error("READONLY You can't write against a read only replica.")));
  CHECK(suggests_failover(server_error("MOVED 1 127.0.0.1:7001")));
  // What Redis tells a client blocked (BLPOP, XREAD BLOCK) on a master it demotes.
  CHECK(suggests_failover(
      server_error("UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)")));
  CHECK(suggests_failover(server_error("CLUSTERDOWN The cluster is down")));
  CHECK(suggests_failover(server_error("TRYAGAIN Multiple keys request during rehashing of slot")));
  CHECK(suggests_failover(Error(ErrorKind::unavailable, "connection to 127.0.0.1:1 lost")));
}

TEST_CASE("other errors do not, whatever the names they quote") {
  CHECK_FALSE(suggests_failover(server_error("OOM command not allowed")));
  CHECK_FALSE(suggests_failover(server_error("NOPERM no", "lock ': READONLY x'")));
  for (const char* name : {"x: TRYAGAIN y", ": MOVED 1 127.0.0.1:1", "READONLY", ": CLUSTERDOWN "}) {
    const std::string context = std::string("cannot publish to '") + name + "'";
    const Error error = server_error("ERR something failed", context);
    CHECK_FALSE(suggests_failover(error));
    CHECK_FALSE(is_cluster_redirection(error));
    CHECK_FALSE(is_slot_migrating(error));
    CHECK_FALSE(suggests_failover(Error(ErrorKind::server, context + ": ERR x")));
  }
}

TEST_CASE("MOVED is a cluster's redirection, TRYAGAIN a slot migrating") {
  CHECK(is_cluster_redirection(server_error("MOVED 1 127.0.0.1:7001")));
  CHECK_FALSE(is_cluster_redirection(server_error("ASK 1 127.0.0.1:7001")));
  CHECK(is_slot_migrating(server_error("TRYAGAIN Multiple keys request during rehashing of slot")));
  CHECK_FALSE(is_slot_migrating(server_error("MOVED 1 127.0.0.1:7001")));
}
