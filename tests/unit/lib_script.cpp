// The embedded Lua scripts and the commands that run them.

#include "protocol/lua_scripts.hpp"
#include "protocol/script.hpp"

#include <doctest/doctest.h>
#include <openssl/evp.h>

#include <string>
#include <string_view>

using namespace statesync::detail;

namespace {

// The SHA1 a server names a script by, computed here independently of the
// build's embedding (OpenSSL), in lower-case hex as EVALSHA takes it.
std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  REQUIRE(EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr) == 1);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    constexpr char digits[] = "0123456789abcdef";
    hex += digits[digest[i] >> 4];
    hex += digits[digest[i] & 0xf];
  }
  return hex;
}

} // namespace

TEST_CASE("EVALSHA names the script by its SHA1; EVAL carries the body") {
  const std::string_view keys_and_args[] = {"k", "a", "b"};
  const auto cached = retain_publish_script().arguments(true, keys_and_args);
  REQUIRE(cached.size() == 6);
  CHECK(cached[0] == "EVALSHA");
  CHECK(cached[1] == sha1_hex(lua::retain_publish));
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

TEST_CASE("each embedded SHA1 is its script's") {
  CHECK(lua::retain_publish_sha1 == sha1_hex(lua::retain_publish));
  CHECK(lua::clear_retained_sha1 == sha1_hex(lua::clear_retained));
  CHECK(lua::lock_sha1 == sha1_hex(lua::lock));
  CHECK(lua::retained_matching_sha1 == sha1_hex(lua::retained_matching));
  CHECK(sha1_hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709"); // the digest itself, on a known value
}
