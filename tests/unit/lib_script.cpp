// The embedded Lua scripts and the commands that run them.

#include "protocol/lua_scripts.hpp"
#include "protocol/script.hpp"

#include <doctest/doctest.h>

#include <string_view>

using namespace statesync::detail;

TEST_CASE("EVALSHA names the script by its SHA1; EVAL carries the body") {
  const std::string_view keys_and_args[] = {"k", "a", "b"};
  const auto cached = retain_publish_script().arguments(true, keys_and_args);
  REQUIRE(cached.size() == 6);
  CHECK(cached[0] == "EVALSHA");
  CHECK(cached[1] == lua::retain_publish_sha1);
  CHECK(cached[1].size() == 40);
  CHECK(cached[2] == "1");
  CHECK(cached[3] == "k");
  CHECK(cached[5] == "b");
  const auto full = retain_publish_script().arguments(false, keys_and_args);
  CHECK(full[0] == "EVAL");
  CHECK(full[1] == lua::retain_publish);
}

TEST_CASE("the scripts are embedded") {
  CHECK(lua::retain_publish.find("HINCRBY") != std::string_view::npos);
  CHECK(lua::clear_retained.find("DEL") != std::string_view::npos);
  CHECK(lua::lock.find("INCR") != std::string_view::npos);
}
