// Durations as operators write them (--once-per, --jitter): units, bare
// seconds, and what is refused.

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
  CHECK(parse_duration("0") == milliseconds(0));
}

TEST_CASE("what is not a duration") {
  for (const char* text : {"", "s", "-1", "-1s", "1x", "1 s", "1s ", "1e400", "nan", "inf", "1h30m", "5mss"}) {
    CAPTURE(text);
    CHECK_FALSE(parse_duration(text));
  }
}

TEST_CASE("the option check refuses 0 where a window needs a length") {
  std::string zero = "0";
  CHECK(duration_text(true)(zero).empty());
  CHECK(duration_text(false)(zero).find("more than 0") != std::string::npos);
  std::string bad = "soon";
  CHECK(duration_text(true)(bad) == "must be a duration such as 90, 90s, 500ms, 15m, 1.5h or 1d, not 'soon'");
}
