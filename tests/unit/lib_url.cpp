#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <doctest/doctest.h>

using statesync::ErrorKind;
using statesync::parse_url;

namespace {

ErrorKind kind_of_failure(const char* url) {
  try {
    parse_url(url);
  } catch (const statesync::Error& error) {
    return error.kind();
  }
  return ErrorKind::internal;
}

} // namespace

TEST_CASE("redis:// URLs give host, port, db, user and password") {
  const auto e = parse_url("redis://app:pw@cache.example:6380/2");
  CHECK(e.host == "cache.example");
  CHECK(e.port == 6380);
  CHECK(e.db == 2);
  CHECK(e.user == "app");
  CHECK(e.password == "pw");
  CHECK_FALSE(e.tls.enabled);
}

TEST_CASE("defaults fill what the URL leaves out") {
  const auto e = parse_url("redis://h");
  CHECK(e.host == "h");
  CHECK(e.port == 6379);
  CHECK(e.db == 0);
  CHECK_FALSE(e.user);
  CHECK_FALSE(e.password);
}

TEST_CASE("a password alone, with or without the colon") {
  CHECK(parse_url("redis://:pw@h").password == "pw");
  CHECK_FALSE(parse_url("redis://:pw@h").user);
  CHECK(parse_url("redis://pw@h").password == "pw");
}

TEST_CASE("rediss:// turns TLS on") {
  CHECK(parse_url("rediss://h:6380").tls.enabled);
}

TEST_CASE("IPv6 in brackets") {
  const auto e = parse_url("redis://[::1]:7000");
  CHECK(e.host == "::1");
  CHECK(e.port == 7000);
  CHECK(e.where() == "[::1]:7000");
  CHECK(parse_url("redis://[fe80::1]").port == 6379);
}

TEST_CASE("percent-decoding of user, password and socket path") {
  const auto e = parse_url("redis://us%40er:p%3Aw%2Fd@h");
  CHECK(e.user == "us@er");
  CHECK(e.password == "p:w/d");
  CHECK(parse_url("unix:///tmp/my%20dir/redis.sock").socket_path == "/tmp/my dir/redis.sock");
}

TEST_CASE("unix:// URLs with db and credentials") {
  const auto e = parse_url("unix://:pw@/run/redis.sock?db=4");
  CHECK(e.socket_path == "/run/redis.sock");
  CHECK(e.db == 4);
  CHECK(e.password == "pw");
  CHECK(e.where() == "/run/redis.sock");
}

TEST_CASE("URLs that do not parse are usage errors") {
  for (const char* url : {"", "redis", "http://h", "redis://h:0", "redis://h:65536", "redis://h:x",
                          "redis://h:", "redis://h/x", "redis://h/-1", "redis://[::1", "redis://[::1]x", "unix://",
                          "unix://host/path", "redis://h?db=x", "redis://h?bogus=1", "redis://%zz@h", "redis://%4@h"}) {
    CAPTURE(url);
    CHECK(kind_of_failure(url) == ErrorKind::usage);
  }
}

TEST_CASE("the message for a bad URL hides the password") {
  try {
    parse_url("redis://u:hunter2@h:bad");
    FAIL("expected an error");
  } catch (const statesync::Error& error) {
    CHECK(std::string(error.what()).find("hunter2") == std::string::npos);
  }
}

TEST_CASE("parse_host_port") {
  CHECK(statesync::parse_host_port("h:1", 26379, "x").port == 1);
  CHECK(statesync::parse_host_port("h", 26379, "x").port == 26379);
  CHECK_THROWS_WITH(statesync::parse_host_port("h:0", 1, "--sentinel address"),
                    "invalid --sentinel address 'h:0': expected HOST:PORT");
}
