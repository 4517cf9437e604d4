// statesync-sub --live's table: escaping, cutting, counts, rates, order.

#include "statesync-sub/live_table.hpp"

#include <doctest/doctest.h>

using namespace statesync;
using namespace statesync::tools;
using namespace std::string_literals;

namespace {

std::string printable(std::string_view bytes, std::size_t columns = 100) {
  std::string out;
  append_printable(out, bytes, columns);
  return out;
}

Message message(std::string channel, std::string payload) {
  Message m;
  m.channel = std::move(channel);
  m.payload = std::move(payload);
  return m;
}

} // namespace

TEST_CASE("payloads are escaped for a terminal and cut by columns") {
  CHECK(printable("plain") == "plain");
  CHECK(printable("a\tb\nc\r\\"s) == "a\\tb\\nc\\r\\\\");
  CHECK(printable("\x00\x1b[2J\x7f"s) == "\\x00\\x1b[2J\\x7f");
  CHECK(printable("é ✓ 😀") == "é ✓ 😀");
  CHECK(printable("\xff \xc3 \xc2\x85 \xed\xa0\x80"s) == "\\xff \\xc3 \\xc2\\x85 \\xed\\xa0\\x80");
  CHECK(printable("é✓abc", 3) == "é✓a");
  CHECK(printable("a\nb", 2) == "a"); // an escape is not split
}

TEST_CASE("rows sorted by channel with exact counts and the last payload") {
  const auto start = Clock::time_point(std::chrono::seconds(1000));
  LiveTable table;
  table.expect("quiet", start);
  for (int i = 0; i < 30; ++i) {
    table.add(message("busy", "p-" + std::to_string(i)), start);
  }
  table.add(message("another", "x"), start);
  const auto lines = table.lines(80, 24, start + std::chrono::seconds(2));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].starts_with("CHANNEL"));
  CHECK(lines[1].starts_with("another"));
  CHECK(lines[2].starts_with("busy"));
  CHECK(lines[2].find(" 30 ") != std::string::npos);
  CHECK(lines[2].find(" 15.0 ") == std::string::npos); // 30 in 2 s: "15", not "15.0"
  CHECK(lines[2].find(" 15 ") != std::string::npos);
  CHECK(lines[2].ends_with("p-29"));
  CHECK(lines[3].starts_with("quiet"));
  CHECK(lines[3].find(" - ") != std::string::npos); // no message yet
  for (const auto& line : table.lines(30, 24, start)) {
    CHECK(line.size() <= 30);
  }
  const auto short_screen = table.lines(80, 3, start);
  REQUIRE(short_screen.size() == 3);
  CHECK(short_screen[2] == "(2 more channels)");
}
