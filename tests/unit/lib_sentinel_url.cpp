// The redis+sentinel:// URL form: the Sentinels to ask, the master's name,
// and the data nodes' credentials.

#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <doctest/doctest.h>

using namespace statesync;

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
