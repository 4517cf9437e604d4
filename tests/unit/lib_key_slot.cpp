// Key-slot hashing, against values from CLUSTER KEYSLOT on redis-server 7.0.

#include <statesync/cluster.hpp>

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
