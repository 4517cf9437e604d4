// Durations in systemd's spelling, the one parser of every duration
// option: units, sums of parts, bare seconds, the maximum, and what is
// refused.

#include "common/duration_text.hpp"

#include <doctest/doctest.h>

using namespace statesync::tools;
using std::chrono::milliseconds;

TEST_CASE("durations with and without units") {
  CHECK(parse_duration("90") == milliseconds(90000));
  CHECK(parse_duration("0.25") == milliseconds(250));
  CHECK(parse_duration("500ms") == milliseconds(500));
  CHECK(parse_duration("90s") == milliseconds(90000));
  CHECK(parse_duration("15m") == milliseconds(900000));
  CHECK(parse_duration("1.5h") == milliseconds(5400000));
  CHECK(parse_duration("1d") == milliseconds(86400000));
  CHECK(parse_duration("1w") == milliseconds(604800000));
  CHECK(parse_duration("0") == milliseconds(0));
}

TEST_CASE("systemd's sums and long unit names") {
  CHECK(parse_duration("1h30m") == milliseconds(5400000));
  CHECK(parse_duration("2h 15min") == milliseconds(8100000));
  CHECK(parse_duration("1min 30sec") == milliseconds(90000));
  CHECK(parse_duration("1 s") == milliseconds(1000));
  CHECK(parse_duration("1s500ms") == milliseconds(1500));
  CHECK(parse_duration("2 weeks 1 day") == milliseconds(15 * 86400000LL));
  CHECK(parse_duration("3hours") == milliseconds(3 * 3600000));
}

TEST_CASE("the maximum is a year") {
  CHECK(parse_duration("365d") == longest_duration);
  CHECK(parse_duration("31536000") == longest_duration);
  CHECK_FALSE(parse_duration("366d"));
  CHECK_FALSE(parse_duration("53w"));
  CHECK_FALSE(parse_duration("364d 25h"));
  CHECK_FALSE(parse_duration("99999999999999999999999999"));
}

TEST_CASE("what is not a duration") {
  for (const char* text :
       {"",    " ",   "s",        ".",    "-1",   "-1s",  "+1",  "1x",   "1e10",   "1e400", "1E3",
        "nan", "inf", "infinity", "5mss", "1h30", "0x10", "1,5", "1..5", "1.5.5s", "ms5",   "1\t s"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("the option check refuses what is below its least and hands on seconds") {
  std::string zero = "0";
  CHECK(duration_option(milliseconds(0))(zero).empty());
  CHECK(zero == "0");
  CHECK(duration_option(milliseconds(1))(zero).find("a positive duration") != std::string::npos);
  std::string short_lease = "5ms";
  CHECK(duration_option(milliseconds(10))(short_lease).find("from 10ms to 365d") != std::string::npos);
  std::string sum = "1h30m";
  CHECK(duration_option(milliseconds(1))(sum).empty());
  CHECK(sum == "5400");
  std::string fraction = "1.5s";
  CHECK(duration_option(milliseconds(1))(fraction).empty());
  CHECK(fraction == "1.5");
  std::string bad = "soon";
  CHECK(duration_option(milliseconds(0))(bad) ==
        "must be a duration such as 90, 90s, 500ms, 1h30m or 1w, at most 365d, not 'soon'");
}
