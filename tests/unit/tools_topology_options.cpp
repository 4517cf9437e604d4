// --sentinel, --master, the Sentinels' credentials and --cluster, with the
// URL and the environment.

#include "common/connection_options.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

using namespace statesync;
using namespace statesync::tools;

namespace {

struct Parsed {
  Endpoint endpoint;
  std::vector<std::string> rest;
};

// Parses connection options followed by the tool's own arguments.
Parsed parse(std::vector<std::string> words) {
  ConnectionArgs args;
  std::vector<std::string> rest;
  CLI::App app;
  app.set_help_flag("--help");
  add_connection_options(app, args);
  app.add_option("ARGS", rest);
  std::reverse(words.begin(), words.end());
  app.parse(words);
  return {resolve_endpoint(args), rest};
}

struct CleanEnvironment {
  static void clear() {
    for (const char* name :
         {"STATESYNC_URL", "REDIS_URL", "STATESYNC_AUTH", "REDISCLI_AUTH", "STATESYNC_SENTINEL_AUTH"}) {
      ::unsetenv(name);
    }
  }
  CleanEnvironment() { clear(); }
  ~CleanEnvironment() { clear(); }
};

std::string usage_error(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::usage);
    return error.what();
  }
  return "";
}

} // namespace

TEST_CASE_FIXTURE(CleanEnvironment, "--sentinel takes one address each time, and the tool's arguments follow") {
  const auto p = parse({"--sentinel", "s1:26380", "--sentinel", "s2", "--master", "main", "ch", "msg"});
  CHECK(p.endpoint.topology == Topology::sentinel);
  REQUIRE(p.endpoint.sentinels.size() == 2);
  CHECK(p.endpoint.sentinels[0].host == "s1");
  CHECK(p.endpoint.sentinels[0].port == 26380);
  CHECK(p.endpoint.sentinels[1].port == 26379);
  CHECK(p.endpoint.master_name == "main");
  CHECK(p.rest == std::vector<std::string>{"ch", "msg"});
}

TEST_CASE_FIXTURE(CleanEnvironment, "the Sentinels' password is theirs, the data nodes' is apart") {
  ::setenv("STATESYNC_AUTH", "data", 1);
  ::setenv("STATESYNC_SENTINEL_AUTH", "sentinel", 1);
  auto e = parse({"-u", "redis+sentinel://s1/main"}).endpoint;
  CHECK(e.password == "data");
  CHECK(e.sentinel_password == "sentinel");
  CHECK_FALSE(e.sentinel_user);
  e = parse({"-u", "redis+sentinel://s1/main", "--sentinel-user", "watcher", "--sentinel-pass", "given"}).endpoint;
  CHECK(e.sentinel_user == "watcher");
  CHECK(e.sentinel_password == "given");
}

TEST_CASE_FIXTURE(CleanEnvironment, "--master and --sentinel override the URL's") {
  const auto e = parse({"-u", "redis+sentinel://s1/main/2", "--master", "other", "--sentinel", "s9:1"}).endpoint;
  CHECK(e.master_name == "other");
  REQUIRE(e.sentinels.size() == 1);
  CHECK(e.sentinels[0].host == "s9");
  CHECK(e.db == 2);
}

TEST_CASE_FIXTURE(CleanEnvironment, "--cluster keeps the seed node's address") {
  const auto e = parse({"--cluster", "-h", "node1", "-p", "7000"}).endpoint;
  CHECK(e.topology == Topology::cluster);
  CHECK(e.where() == "node1:7000");
}

TEST_CASE_FIXTURE(CleanEnvironment, "topology options that do not fit are usage errors") {
  CHECK(usage_error({"--master", "m"}) == "--master, --sentinel-user and --sentinel-pass need --sentinel");
  CHECK(usage_error({"--sentinel-pass", "x"}) == "--master, --sentinel-user and --sentinel-pass need --sentinel");
  CHECK(usage_error({"--sentinel", "s:1"}) == "--sentinel needs --master NAME");
  CHECK(usage_error({"--sentinel", "s:1", "--master", "m", "--cluster"}) ==
        "--cluster and --sentinel do not go together");
  CHECK(usage_error({"--cluster", "-s", "/tmp/r.sock"}) == "--cluster needs a host and port, not a Unix socket");
  CHECK(usage_error({"--sentinel", "s:99999", "--master", "m"}) ==
        "invalid --sentinel address 's:99999': expected HOST:PORT");
}
