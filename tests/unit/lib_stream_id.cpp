// Stream IDs, start points and times as users write them.

#include <statesync/error.hpp>
#include <statesync/stream_id.hpp>

#include <doctest/doctest.h>

#include <limits>

using namespace statesync;

TEST_CASE("IDs parse, print, compare, and step back") {
  CHECK(StreamId::parse("1700000000000-3") == StreamId{1700000000000, 3});
  CHECK(StreamId::parse("5") == StreamId{5, 0});
  CHECK(StreamId::parse("5-0").str() == "5-0");
  CHECK(StreamId{5, 1} > StreamId{5, 0});
  CHECK(StreamId{6, 0} > StreamId{5, 99});
  CHECK(StreamId{5, 1}.previous() == StreamId{5, 0});
  CHECK(StreamId{5, 0}.previous() == StreamId{4, std::numeric_limits<std::uint64_t>::max()});
  CHECK(StreamId{}.previous() == StreamId{});
  for (const char* bad : {"", "-", "1-", "-1", "1-2-3", "x", "1.5", "99999999999999999999"}) {
    CHECK_THROWS_AS(StreamId::parse(bad), Error);
  }
}

TEST_CASE("start points") {
  CHECK(parse_stream_start("$").kind == StreamStart::Kind::new_entries);
  const StreamStart all = parse_stream_start("0");
  CHECK(all.kind == StreamStart::Kind::after);
  CHECK(all.id == StreamId{});
  const StreamStart from = parse_stream_start("7-2");
  CHECK(from.id == StreamId{7, 1}); // that entry included
  const StreamStart last = parse_stream_start("-10");
  CHECK(last.kind == StreamStart::Kind::last);
  CHECK(last.count == 10);
  CHECK(parse_stream_start("@3").id == StreamId{2999, std::numeric_limits<std::uint64_t>::max()});
  for (const char* bad : {"-0", "-x", "@", "@soon", "1-x"}) {
    CHECK_THROWS_AS(parse_stream_start(bad), Error);
  }
  CHECK(parse_stream_until("@2") == StreamId{2000, std::numeric_limits<std::uint64_t>::max()});
  CHECK(parse_stream_until("9-9") == StreamId{9, 9});
}

TEST_CASE("times: Unix seconds and ISO 8601 with or without an offset") {
  CHECK(StreamId::at(parse_time("1.5")) == StreamId{1500, 0});
  CHECK(StreamId::at(parse_time("2026-11-29T19:00:00Z")) == StreamId{1795978800000, 0});
  CHECK(StreamId::at(parse_time("2026-11-29 19:00:00")) == StreamId{1795978800000, 0});
  CHECK(StreamId::at(parse_time("2026-11-29T20:00:00.250+01:00")) == StreamId{1795978800250, 0});
  CHECK(StreamId::at(parse_time("2026-11-29T19:00")) == StreamId{1795978800000, 0});
  for (const char* bad : {"2026-13-01T00:00:00Z", "2026-11-29", "2026-11-29T19:00:00X", "tomorrow", "1e5"}) {
    CHECK_THROWS_AS(parse_time(bad), Error);
  }
}
