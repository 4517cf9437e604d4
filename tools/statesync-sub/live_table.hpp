#pragma once
// What --live shows: one row per channel (its latest payload, how many
// messages, the rate over the last seconds, the time since the last one),
// sorted by channel, laid out for a terminal of a given size. No terminal
// here: LiveView draws the lines this makes.

#include <statesync/subscriber.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

class LiveTable {
public:
  // A row with no message yet (a channel named on the command line).
  void expect(const std::string& channel, Clock::time_point now);
  void add(const Message& message, Clock::time_point now);

  // The header, then the rows that fit in `height` lines (the last line
  // says how many did not), each cut to `width` columns.
  std::vector<std::string> lines(std::size_t width, std::size_t height, Clock::time_point now) const;

private:
  // Messages per half second, over the last five seconds.
  static constexpr std::size_t buckets = 10;
  struct Row {
    std::string payload;
    long long count = 0;
    Clock::time_point first_seen;
    std::optional<Clock::time_point> last;
    std::array<std::pair<long long, long long>, buckets> recent{}; // (half-second index, messages)
  };
  static double rate(const Row& row, Clock::time_point now);

  std::map<std::string, Row> rows_;
};

// `bytes` for a terminal: control characters, invalid UTF-8 and C1 codes
// escaped (\n, \t, \xHH), at most `columns` columns (a character counts
// one). Returns the columns used.
std::size_t append_printable(std::string& out, std::string_view bytes, std::size_t columns);

} // namespace statesync::tools
