// The publisher's scripts are named by SHA-1 as EVALSHA expects.

#include "lua_scripts.hpp"
#include "publish_script.hpp"
#include "sha1.hpp"

#include <doctest/doctest.h>

#include <string>

using namespace statesync::detail;

TEST_CASE("SHA-1 matches the published test vectors") {
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(sha1_hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(sha1_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(sha1_hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Redis's own example: SCRIPT LOAD "return 1".
  CHECK(sha1_hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
}

TEST_CASE("EVALSHA arguments: the SHA-1, the key count, then keys and arguments") {
  const Script script("return 1");
  const std::string_view keys_and_args[] = {"k", "a", "b"};
  const auto args = script.evalsha(1, keys_and_args);
  REQUIRE(args.size() == 6);
  CHECK(args[0] == "EVALSHA");
  CHECK(args[1] == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
  CHECK(args[2] == "1");
  CHECK(args[3] == "k");
  CHECK(args[5] == "b");
}

TEST_CASE("the publisher's scripts are embedded") {
  CHECK(lua::retain_publish.find("HINCRBY") != std::string_view::npos);
  CHECK(lua::clear_retained.find("DEL") != std::string_view::npos);
}
