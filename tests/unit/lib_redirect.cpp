// A cluster's MOVED and ASK replies as the library reads them, and the
// endpoint of the node they name.

#include "protocol/server_error.hpp"
#include "topology/redirect.hpp"

#include <doctest/doctest.h>

using namespace statesync;

namespace {

Reply error(const char* text) {
  Reply reply;
  reply.type = Reply::Type::error;
  reply.str = text;
  reply.error_code = detail::server_error_code(text);
  return reply;
}

} // namespace

TEST_CASE("MOVED and ASK name the node to go to") {
  const auto moved = detail::redirection(error("MOVED 3999 127.0.0.1:6381"));
  REQUIRE(moved);
  CHECK(moved->slot == 3999);
  CHECK(moved->node.host == "127.0.0.1");
  CHECK(moved->node.port == 6381);

  const auto asked = detail::redirection(error("ASK 1 ::1:7000"));
  REQUIRE(asked);
  CHECK(asked->slot == 1);
  CHECK(asked->node.host == "::1"); // IPv6 comes without brackets
  CHECK(asked->node.port == 7000);

  const auto unnamed = detail::redirection(error("MOVED 5 :7001")); // a node that does not know its address
  REQUIRE(unnamed);
  CHECK(unnamed->node.host.empty());
}

TEST_CASE("other replies are not redirections") {
  CHECK_FALSE(detail::redirection(error("ERR unknown command")));
  CHECK_FALSE(detail::redirection(error("TRYAGAIN Multiple keys request during rehashing of slot")));
  CHECK_FALSE(detail::redirection(error("MOVED 3999")));
  CHECK_FALSE(detail::redirection(error("MOVED 3999 host:0")));
  CHECK_FALSE(detail::redirection(error("MOVED 3999 host:70000")));
  CHECK_FALSE(detail::redirection(error("MOVED 3999 host:12x")));
  Reply status;
  status.type = Reply::Type::status;
  status.str = "MOVED 3999 127.0.0.1:6381"; // a status, so error_code none
  CHECK_FALSE(detail::redirection(status));
}

TEST_CASE("a node's endpoint keeps the settings and takes the address") {
  Endpoint asked;
  asked.host = "10.0.0.1";
  asked.port = 7000;
  asked.db = 3;
  asked.password = "secret";
  asked.tls.enabled = true;
  asked.topology = Topology::cluster;
  const Endpoint node = detail::node_endpoint(asked, "10.0.0.2", 7001);
  CHECK(node.where() == "10.0.0.2:7001");
  CHECK(node.password == asked.password);
  CHECK(node.tls.enabled);
  CHECK(node.db == 0);
  CHECK(node.topology == Topology::standalone);
  CHECK(detail::node_endpoint(asked, "", 7002).where() == "10.0.0.1:7002");
}
