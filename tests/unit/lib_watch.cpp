// The key watcher's parts that need no server: glob matching as Redis does
// it, the prefixes tracked for patterns, and values read by type.

#include "watch/change_feed.hpp"
#include "watch/glob.hpp"
#include "watch/key_reader.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

using namespace statesync;
using namespace statesync::detail;

namespace {

Reply bulk(std::string text) {
  Reply reply;
  reply.type = Reply::Type::string;
  reply.str = std::move(text);
  return reply;
}

Reply array(std::vector<std::string> items) {
  Reply reply;
  reply.type = Reply::Type::array;
  for (auto& item : items) {
    reply.elements.push_back(bulk(std::move(item)));
  }
  return reply;
}

} // namespace

TEST_CASE("glob patterns match as Redis matches them") {
  CHECK(glob_match("app:*", "app:"));
  CHECK(glob_match("app:*", "app:1:x"));
  CHECK_FALSE(glob_match("app:*", "ap"));
  CHECK(glob_match("job:?", "job:1"));
  CHECK_FALSE(glob_match("job:?", "job:10"));
  CHECK(glob_match("h[ae]llo", "hallo"));
  CHECK_FALSE(glob_match("h[ae]llo", "hillo"));
  CHECK(glob_match("h[^e]llo", "hallo"));
  CHECK_FALSE(glob_match("h[^e]llo", "hello"));
  CHECK(glob_match("h[a-c]llo", "hbllo"));
  CHECK(glob_match("a\\*b", "a*b"));
  CHECK_FALSE(glob_match("a\\*b", "axb"));
  CHECK(glob_match("*", std::string("\0\xff", 2)));
  CHECK(glob_match("a*b*c", "aXbYbZc"));
  CHECK_FALSE(glob_match("a*b*c", "aXbYbZ"));
}

TEST_CASE("a pattern's literal prefix is what comes before its first glob character, unquoted") {
  CHECK(glob_literal_prefix("app:*") == "app:");
  CHECK(glob_literal_prefix("app\\*x.*") == "app*x.");
  CHECK(glob_literal_prefix("h[ae]llo") == "h");
  CHECK(glob_literal_prefix("*") == "");
  CHECK(glob_literal_prefix("exact") == "exact");
}

TEST_CASE("tracked prefixes never overlap, and no prefix means everything") {
  CHECK(tracking_prefixes({{"app:1", "other"}, {"app:*", "ap?"}}) == std::vector<std::string>{"ap", "other"});
  CHECK(tracking_prefixes({{}, {"a*", "b*", "ab*"}}) == std::vector<std::string>{"a", "b"});
  CHECK(tracking_prefixes({{"k"}, {"*"}}).empty());
}

TEST_CASE("values are read by type into a stable order") {
  const auto hash = value_of_type("hash", array({"b", "2", "a", "1"}), "h");
  REQUIRE(hash);
  CHECK(hash->type == KeyValue::Type::hash);
  CHECK(hash->pairs == std::vector<std::pair<std::string, std::string>>{{"a", "1"}, {"b", "2"}});
  const auto set = value_of_type("set", array({"y", "x"}), "s");
  REQUIRE(set);
  CHECK(set->elements == std::vector<std::string>{"x", "y"});
  const auto list = value_of_type("list", array({"y", "x"}), "l");
  REQUIRE(list);
  CHECK(list->elements == std::vector<std::string>{"y", "x"});
  const auto zset = value_of_type("zset", array({"m", "1.5"}), "z");
  REQUIRE(zset);
  CHECK(zset->pairs == std::vector<std::pair<std::string, std::string>>{{"m", "1.5"}});
  CHECK(value_of_type("string", bulk(std::string("\0b", 2)), "k")->bytes == std::string("\0b", 2));
}

TEST_CASE("an empty read means the key went away; a malformed one is a protocol error") {
  CHECK_FALSE(value_of_type("hash", array({}), "h"));
  CHECK_FALSE(value_of_type("string", Reply{}, "k"));
  CHECK_THROWS_AS(value_of_type("hash", array({"odd"}), "h"), Error);
  CHECK_THROWS_AS(value_of_type("list", bulk("x"), "l"), Error);
}
