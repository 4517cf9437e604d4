// Where a program connects when its user named no server: the variables
// the tools read, in their order.

#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <initializer_list>

using namespace statesync;

namespace {

constexpr const char* variables[] = {"STATESYNC_URL", "REDIS_URL", "STATESYNC_AUTH", "REDISCLI_AUTH",
                                     "STATESYNC_SENTINEL_AUTH"};

// Sets the variables for one test case and restores a clean environment.
struct Environment {
  explicit Environment(std::initializer_list<std::pair<const char*, const char*>> values) {
    clear();
    for (const auto& [name, value] : values) {
      ::setenv(name, value, 1);
    }
  }
  ~Environment() { clear(); }
  static void clear() {
    for (const char* name : variables) {
      ::unsetenv(name);
    }
  }
};

} // namespace

TEST_CASE("without a URL or variables: the local default server, no password") {
  const Environment env({});
  const Endpoint endpoint = endpoint_from_environment();
  CHECK(endpoint.where() == "127.0.0.1:6379");
  CHECK_FALSE(endpoint.password);
  CHECK_FALSE(endpoint.sentinel_password);
}

TEST_CASE("STATESYNC_URL before REDIS_URL, a given URL before both") {
  const Environment env({{"STATESYNC_URL", "redis://first:7001"}, {"REDIS_URL", "redis://second:7002"}});
  CHECK(endpoint_from_environment().where() == "first:7001");
  CHECK(endpoint_from_environment("redis://given:7003/2").where() == "given:7003");
  ::unsetenv("STATESYNC_URL");
  CHECK(endpoint_from_environment().where() == "second:7002");
  ::setenv("STATESYNC_URL", "", 1); // empty counts as unset
  CHECK(endpoint_from_environment().where() == "second:7002");
}

TEST_CASE("STATESYNC_AUTH before REDISCLI_AUTH, a URL's password before both") {
  const Environment env({{"STATESYNC_AUTH", "ours"}, {"REDISCLI_AUTH", "redis-cli's"}});
  CHECK(endpoint_from_environment().password == "ours");
  CHECK(endpoint_from_environment("redis://:inurl@h:1").password == "inurl");
  ::unsetenv("STATESYNC_AUTH");
  CHECK(endpoint_from_environment().password == "redis-cli's");
}

TEST_CASE("the Sentinels' password comes from its own variable") {
  const Environment env({{"STATESYNC_SENTINEL_AUTH", "sentinels"}, {"STATESYNC_AUTH", "data"}});
  const Endpoint endpoint = endpoint_from_environment("redis+sentinel://127.0.0.1:26379/mymaster");
  CHECK(endpoint.topology == Topology::sentinel);
  CHECK(endpoint.sentinel_password == "sentinels");
  CHECK(endpoint.password == "data");
}

TEST_CASE("a URL in the environment that does not parse is a usage error") {
  const Environment env({{"REDIS_URL", "http://nowhere"}});
  try {
    endpoint_from_environment();
    FAIL("expected a usage error");
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::usage);
  }
}
