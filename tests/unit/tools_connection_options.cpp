#include "common/connection_options.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <vector>

using namespace statesync;
using namespace statesync::tools;

namespace {

// Parses a command line of connection options into an endpoint.
Endpoint endpoint_for(std::vector<std::string> words) {
  ConnectionArgs args;
  CLI::App app;
  app.set_help_flag("--help");
  add_connection_options(app, args);
  std::reverse(words.begin(), words.end());
  app.parse(words);
  return resolve_endpoint(args);
}

void clear_environment() {
  for (const char* name : {"STATESYNC_URL", "REDIS_URL", "STATESYNC_AUTH", "REDISCLI_AUTH"}) {
    ::unsetenv(name);
  }
}

struct CleanEnvironment {
  CleanEnvironment() { clear_environment(); }
  ~CleanEnvironment() { clear_environment(); }
};

} // namespace

TEST_CASE_FIXTURE(CleanEnvironment, "without options: 127.0.0.1:6379") {
  const auto e = endpoint_for({});
  CHECK(e.where() == "127.0.0.1:6379");
  CHECK(e.connect_timeout.count() == 5000);
  CHECK(e.reply_timeout.count() == 10000);
}

TEST_CASE_FIXTURE(CleanEnvironment, "STATESYNC_URL wins over REDIS_URL, an option over both") {
  ::setenv("REDIS_URL", "redis://r:1", 1);
  CHECK(endpoint_for({}).where() == "r:1");
  ::setenv("STATESYNC_URL", "redis://s:2", 1);
  CHECK(endpoint_for({}).where() == "s:2");
  CHECK(endpoint_for({"-u", "redis://o:3"}).where() == "o:3");
}

TEST_CASE_FIXTURE(CleanEnvironment, "host, port, socket and db override the URL's parts") {
  const auto e = endpoint_for({"-u", "redis://a:pw@h:1/2", "-p", "7", "--db", "5"});
  CHECK(e.where() == "h:7");
  CHECK(e.db == 5);
  CHECK(e.password == "pw");
  CHECK(endpoint_for({"-u", "redis://h:1", "-s", "/tmp/s.sock"}).where() == "/tmp/s.sock");
  CHECK(endpoint_for({"-u", "unix:///tmp/s.sock", "-h", "x"}).where() == "x:6379");
}

TEST_CASE_FIXTURE(CleanEnvironment, "the password: option, then URL, then STATESYNC_AUTH, then REDISCLI_AUTH") {
  ::setenv("REDISCLI_AUTH", "cli", 1);
  CHECK(endpoint_for({}).password == "cli");
  ::setenv("STATESYNC_AUTH", "env", 1);
  CHECK(endpoint_for({}).password == "env");
  CHECK(endpoint_for({"-u", "redis://:url@h"}).password == "url");
  CHECK(endpoint_for({"-u", "redis://:url@h", "-a", "opt"}).password == "opt");
}

TEST_CASE_FIXTURE(CleanEnvironment, "timeouts take fractions of seconds") {
  const auto e = endpoint_for({"--connect-timeout", "0.25", "--timeout", "1.5"});
  CHECK(e.connect_timeout.count() == 250);
  CHECK(e.reply_timeout.count() == 1500);
}

TEST_CASE_FIXTURE(CleanEnvironment, "TLS details without TLS are a usage error") {
  CHECK_THROWS_AS(endpoint_for({"--cacert", "ca.pem"}), statesync::Error);
  CHECK(endpoint_for({"--tls", "--cacert", "ca.pem"}).tls.ca_file == "ca.pem");
  CHECK(endpoint_for({"-u", "rediss://h", "--insecure"}).tls.insecure);
}

TEST_CASE_FIXTURE(CleanEnvironment, "a bad port is refused by the parser") {
  CHECK_THROWS_AS(endpoint_for({"-p", "70000"}), CLI::ValidationError);
}
