// A server's error replies read as values: the code from the first word as
// the reply is decoded, the kind it means, and MOVED's and ASK's slot and
// node carried by the Error; the words quoted before the server's never
// count.

#include "protocol/resp.hpp"
#include "protocol/server_error.hpp"

#include <statesync/error.hpp>
#include <statesync/reply.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace statesync;
using detail::server_error_code;

namespace {

Reply decoded(const std::string& bytes) {
  detail::ReplyReader reader;
  reader.feed(bytes.data(), bytes.size());
  auto reply = reader.next();
  REQUIRE(reply);
  return std::move(*reply);
}

} // namespace

TEST_CASE("the first word of an error reply is its code") {
  CHECK(server_error_code("MOVED 3999 127.0.0.1:6381") == ServerError::moved);
  CHECK(server_error_code("ASK 3999 127.0.0.1:6381") == ServerError::ask);
  CHECK(server_error_code("TRYAGAIN Multiple keys request during rehashing of slot") == ServerError::tryagain);
  CHECK(server_error_code("READONLY You can't write against a read only replica.") == ServerError::readonly);
  CHECK(server_error_code("UNBLOCKED force unblock from blocking operation, instance state changed (master -> "
                          "replica?)") == ServerError::unblocked);
  CHECK(server_error_code("CLUSTERDOWN The cluster is down") == ServerError::clusterdown);
  CHECK(server_error_code("LOADING Redis is loading the dataset in memory") == ServerError::loading);
  CHECK(server_error_code("BUSY Redis is busy running a script.") == ServerError::busy);
  CHECK(server_error_code("MASTERDOWN Link with MASTER is down") == ServerError::masterdown);
  CHECK(server_error_code("NOSCRIPT No matching script. Please use EVAL.") == ServerError::noscript);
  CHECK(server_error_code("NOAUTH Authentication required.") == ServerError::noauth);
  CHECK(server_error_code("WRONGPASS invalid username-password pair") == ServerError::wrongpass);
  CHECK(server_error_code("NOPERM this user has no permissions") == ServerError::noperm);
  CHECK(server_error_code("OOM command not allowed when used memory > 'maxmemory'.") == ServerError::oom);
  CHECK(server_error_code("WRONGTYPE Operation against a key holding the wrong kind of value") ==
        ServerError::wrongtype);
  CHECK(server_error_code("NOGROUP No such key 's' or consumer group 'g'") == ServerError::nogroup);
  CHECK(server_error_code("BUSYGROUP Consumer Group name already exists") == ServerError::busygroup);
  CHECK(server_error_code("EXECABORT Transaction discarded") == ServerError::execabort);
  CHECK(server_error_code("FENCED lock 'job' has fencing token 2 now, newer than this writer's 1") ==
        ServerError::fenced);
  CHECK(server_error_code("ERR unknown command 'X'") == ServerError::err);
  CHECK(server_error_code("ERR") == ServerError::err);
  CHECK(server_error_code("SOMETHINGNEW happened") == ServerError::other);
  CHECK(server_error_code("") == ServerError::other);
}

TEST_CASE("only the first word counts, whole and in capitals") {
  CHECK(server_error_code("ERR lock 'x: TRYAGAIN y' READONLY MOVED 1 127.0.0.1:1") == ServerError::err);
  CHECK(server_error_code("MOVEDX 1 127.0.0.1:1") == ServerError::other);
  CHECK(server_error_code("moved 1 127.0.0.1:1") == ServerError::other);
  CHECK(server_error_code(" MOVED 1 127.0.0.1:1") == ServerError::other);
}

TEST_CASE("a server before ACLs refused a password with ERR; a needless password is plain ERR") {
  CHECK(server_error_code("ERR invalid password") == ServerError::wrongpass);
  CHECK(server_error_code("ERR AUTH <password> called without any password configured for the default user.") ==
        ServerError::err);
}

TEST_CASE("refusals and fenced writes are their own kinds, every other code is a server error") {
  for (const auto refusal : {ServerError::noauth, ServerError::wrongpass, ServerError::noperm}) {
    CHECK(detail::kind_of(refusal) == ErrorKind::refused);
  }
  CHECK(detail::kind_of(ServerError::fenced) == ErrorKind::fenced); // fence.lua's refusal: exit 79
  for (const auto code : {ServerError::moved, ServerError::readonly, ServerError::oom, ServerError::err,
                          ServerError::other, ServerError::none}) {
    CHECK(detail::kind_of(code) == ErrorKind::server);
  }
}

TEST_CASE("decoded error replies carry their code, nested ones too") {
  CHECK(decoded("-NOPERM no\r\n").error_code == ServerError::noperm);
  CHECK(decoded("+MOVED 1 127.0.0.1:1\r\n").error_code == ServerError::none); // a status, not an error
  CHECK(decoded("$5\r\nOOM x\r\n").error_code == ServerError::none);
  const Reply results = decoded("*2\r\n+OK\r\n-WRONGTYPE Operation against a key\r\n");
  REQUIRE(results.elements.size() == 2);
  CHECK(results.elements[0].error_code == ServerError::none);
  CHECK(results.elements[1].error_code == ServerError::wrongtype);
}

TEST_CASE("an Error from a reply quotes it after the context and keeps its code and kind") {
  const Error error(decoded("-NOAUTH Authentication required.\r\n"), "cannot publish to ': MOVED 1 127.0.0.1:1'");
  CHECK(std::string(error.what()) == "cannot publish to ': MOVED 1 127.0.0.1:1': NOAUTH Authentication required.");
  CHECK(error.kind() == ErrorKind::refused);
  CHECK(error.server_error() == ServerError::noauth);
  CHECK(error.redirection() == nullptr);
}

TEST_CASE("MOVED and ASK carry their slot and node") {
  const Error moved(decoded("-MOVED 3999 10.0.0.2:6381\r\n"), "lock 'a'");
  CHECK(moved.server_error() == ServerError::moved);
  CHECK(moved.kind() == ErrorKind::server);
  REQUIRE(moved.redirection() != nullptr);
  CHECK(moved.redirection()->slot == 3999);
  CHECK(moved.redirection()->node.host == "10.0.0.2");
  CHECK(moved.redirection()->node.port == 6381);

  const Error asked(decoded("-ASK 16383 ::1:7000\r\n"), "lock 'a'");
  CHECK(asked.server_error() == ServerError::ask);
  REQUIRE(asked.redirection() != nullptr);
  CHECK(asked.redirection()->slot == 16383);
  CHECK(asked.redirection()->node.host == "::1");

  // The code stands, the fields are absent when the words do not parse.
  for (const char* bad : {"-MOVED\r\n", "-MOVED 3999\r\n", "-MOVED 16384 h:1\r\n", "-MOVED x h:1\r\n",
                          "-MOVED 1 h:0\r\n", "-MOVED 1 h:65536\r\n", "-MOVED 1 h:7x\r\n"}) {
    const Error error(decoded(bad), "c");
    CHECK(error.server_error() == ServerError::moved);
    CHECK(error.redirection() == nullptr);
  }
}

TEST_CASE("an Error told again keeps what the server said") {
  const Error cause(decoded("-MOVED 7 10.0.0.3:7000\r\n"), "message 1 failed");
  const Error told(cause, std::string(cause.what()) + " (1 published)");
  CHECK(std::string(told.what()) == "message 1 failed: MOVED 7 10.0.0.3:7000 (1 published)");
  CHECK(told.kind() == ErrorKind::server);
  CHECK(told.server_error() == ServerError::moved);
  REQUIRE(told.redirection() != nullptr);
  CHECK(told.redirection()->node.port == 7000);
}

TEST_CASE("an Error the library composes has no server code, whatever its text") {
  const Error error(ErrorKind::server, "lock 'x: TRYAGAIN y': ERR something");
  CHECK(error.server_error() == ServerError::none);
  CHECK(error.redirection() == nullptr);
}
