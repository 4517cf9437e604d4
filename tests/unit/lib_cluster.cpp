// Key-slot hashing (values from CLUSTER KEYSLOT on redis-server 7.0) and
// the redis+sentinel:// URL form.

#include <statesync/cluster.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <doctest/doctest.h>

using namespace statesync;

TEST_CASE("key_slot agrees with CLUSTER KEYSLOT") {
  CHECK(key_slot("foo") == 12182);
  CHECK(key_slot("bar") == 5061);
  CHECK(key_slot("hello") == 866);
  CHECK(key_slot("123456789") == 12739);
  CHECK(key_slot("") == 0);
  CHECK(key_slot("a{b") == 13340);
}

TEST_CASE("key_slot hashes only a non-empty first hash tag") {
  CHECK(key_slot("{user1000}.following") == 3443);
  CHECK(key_slot("{user1000}.followers") == 3443);
  CHECK(key_slot("{}x") == 10595);          // empty tag: the whole key
  CHECK(key_slot("foo{}{bar}") == 8363);    // the first '{' counts, its tag is empty
  CHECK(key_slot("foo{{bar}}zap") == 4015); // tag "{bar"
  CHECK(key_slot("foo{bar}{zap}") == 5061); // tag "bar"
  CHECK(key_slot("statesync:lock:{job}") == 2906);
  CHECK(key_slot("statesync:lock:{job}:fence") == key_slot("statesync:lock:{job}"));
}

TEST_CASE("redis+sentinel:// URLs give sentinels, master, db and the data nodes' credentials") {
  const auto e = parse_url("redis+sentinel://app:pw@s1:26380,s2,[::1]:5000/mymaster/3");
  CHECK(e.topology == Topology::sentinel);
  REQUIRE(e.sentinels.size() == 3);
  CHECK(e.sentinels[0].host == "s1");
  CHECK(e.sentinels[0].port == 26380);
  CHECK(e.sentinels[1].host == "s2");
  CHECK(e.sentinels[1].port == 26379);
  CHECK(e.sentinels[2].host == "::1");
  CHECK(e.sentinels[2].port == 5000);
  CHECK(e.master_name == "mymaster");
  CHECK(e.db == 3);
  CHECK(e.user == "app");
  CHECK(e.password == "pw");
  CHECK_FALSE(e.sentinel_password);
  CHECK_FALSE(e.tls.enabled);
  CHECK(e.where() == "master 'mymaster' (Sentinel s1:26380,s2:26379,::1:5000)");
  CHECK(parse_url("rediss+sentinel://h/m").tls.enabled);
}

TEST_CASE("redis+sentinel:// URLs without sentinels or master are refused") {
  for (const char* url : {"redis+sentinel:///m", "redis+sentinel://h", "redis+sentinel://h/", "redis+sentinel://h:x/m",
                          "redis+sentinel://h,/m"}) {
    CAPTURE(url);
    CHECK_THROWS_AS(parse_url(url), Error);
  }
}

TEST_CASE("parse_host_port") {
  CHECK(parse_host_port("h:1", 26379, "x").port == 1);
  CHECK(parse_host_port("h", 26379, "x").port == 26379);
  CHECK_THROWS_WITH(parse_host_port("h:0", 1, "--sentinel address"),
                    "invalid --sentinel address 'h:0': expected HOST:PORT");
}
