#include "live_table.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace statesync::tools {
namespace {

constexpr auto half_second = std::chrono::milliseconds(500);
constexpr std::size_t count_width = 9;
constexpr std::size_t rate_width = 8;
constexpr std::size_t age_width = 6;

long long half_seconds(Clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()) / half_second;
}

// Bytes of the UTF-8 character starting at `bytes[i]` if it is a valid,
// printable one (not a C1 control), else 0.
std::size_t printable_character(std::string_view bytes, std::size_t i) {
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(bytes[k]);
  };
  const unsigned char lead = byte(i);
  if (lead >= 0x20 && lead < 0x7f) {
    return 1;
  }
  const std::size_t length = lead >= 0xc2 && lead <= 0xdf   ? 2
                             : lead >= 0xe0 && lead <= 0xef ? 3
                             : lead >= 0xf0 && lead <= 0xf4 ? 4
                                                            : 0;
  if (length == 0 || i + length > bytes.size()) {
    return 0;
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      return 0;
    }
  }
  const unsigned char second = byte(i + 1);
  const bool overlong_or_surrogate = (lead == 0xe0 && second < 0xa0) || (lead == 0xed && second >= 0xa0) ||
                                     (lead == 0xf0 && second < 0x90) || (lead == 0xf4 && second >= 0x90);
  const bool c1_control = lead == 0xc2 && second < 0xa0;
  return overlong_or_surrogate || c1_control ? 0 : length;
}

std::string escape(unsigned char byte) {
  switch (byte) {
  case '\n':
    return "\\n";
  case '\t':
    return "\\t";
  case '\r':
    return "\\r";
  case '\\':
    return "\\\\";
  default:
    return fmt::format("\\x{:02x}", byte);
  }
}

std::string age_text(std::chrono::duration<double> age) {
  const double seconds = age.count();
  if (seconds < 10) {
    return fmt::format("{:.1f}s", seconds);
  }
  if (seconds < 60) {
    return fmt::format("{:.0f}s", seconds);
  }
  if (seconds < 3600) {
    return fmt::format("{:.0f}m", seconds / 60);
  }
  return fmt::format("{:.0f}h", seconds / 3600);
}

std::string rate_text(double rate) {
  return rate < 10 ? fmt::format("{:.1f}", rate) : fmt::format("{:.0f}", rate);
}

void pad_to(std::string& line, std::size_t used, std::size_t columns) {
  if (used < columns) {
    line.append(columns - used, ' ');
  }
}

} // namespace

std::size_t append_printable(std::string& out, std::string_view bytes, std::size_t columns) {
  std::size_t used = 0;
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t length = bytes[i] == '\\' ? 0 : printable_character(bytes, i);
    const std::string piece =
        length > 0 ? std::string(bytes.substr(i, length)) : escape(static_cast<unsigned char>(bytes[i]));
    const std::size_t width = length > 0 ? 1 : piece.size();
    if (used + width > columns) {
      break;
    }
    out += piece;
    used += width;
    i += length > 0 ? length : 1;
  }
  return used;
}

void LiveTable::expect(const std::string& channel, Clock::time_point now) {
  rows_.try_emplace(channel).first->second.first_seen = now;
}

void LiveTable::add(const Message& message, Clock::time_point now) {
  auto [at, added] = rows_.try_emplace(message.channel);
  Row& row = at->second;
  if (added) {
    row.first_seen = now;
  }
  row.payload = message.payload;
  ++row.count;
  row.last = now;
  const long long index = half_seconds(now);
  auto& bucket = row.recent[static_cast<std::size_t>(index) % buckets];
  if (bucket.first != index) {
    bucket = {index, 0};
  }
  ++bucket.second;
}

double LiveTable::rate(const Row& row, Clock::time_point now) {
  const long long index = half_seconds(now);
  long long messages = 0;
  for (const auto& [bucket, count] : row.recent) {
    if (bucket > index - static_cast<long long>(buckets) && bucket <= index) {
      messages += count;
    }
  }
  // Over the last five seconds, or since the row appeared if that is
  // shorter (but at least a second, so one message is not a burst of 1000/s).
  const std::chrono::duration<double> window =
      std::clamp<Clock::duration>(now - row.first_seen, std::chrono::seconds(1), buckets * half_second);
  return static_cast<double>(messages) / window.count();
}

std::vector<std::string> LiveTable::lines(std::size_t width, std::size_t height, Clock::time_point now) const {
  std::size_t channel_width = 7; // "CHANNEL"
  for (const auto& [channel, row] : rows_) {
    std::string shown;
    channel_width = std::max(channel_width, append_printable(shown, channel, width));
  }
  channel_width = std::min(channel_width, std::max<std::size_t>(10, width / 3));
  const auto row_line = [&](std::string_view channel, bool escape_channel, const std::string& count,
                            const std::string& rate, const std::string& age, std::string_view payload,
                            bool escape_payload) {
    std::string line;
    const std::size_t used = escape_channel ? append_printable(line, channel, channel_width)
                                            : (line += channel.substr(0, channel_width), line.size());
    pad_to(line, used, channel_width);
    line += fmt::format(" {:>{}} {:>{}} {:>{}}  ", count, count_width, rate, rate_width, age, age_width);
    const std::size_t fixed = channel_width + 1 + count_width + 1 + rate_width + 1 + age_width + 2;
    if (width > fixed) {
      if (escape_payload) {
        append_printable(line, payload, width - fixed);
      } else {
        line += payload.substr(0, width - fixed);
      }
    }
    // A terminal narrower than the fixed columns cuts them too.
    if (fixed > width) {
      line.resize(std::min(line.size(), width));
    }
    return line;
  };
  std::vector<std::string> out;
  if (height == 0) {
    return out;
  }
  out.push_back(row_line("CHANNEL", false, "MESSAGES", "RATE/S", "LAST", "PAYLOAD", false));
  const std::size_t room = height - 1;
  if (room == 0) {
    return out;
  }
  std::size_t shown = 0;
  for (const auto& [channel, row] : rows_) {
    if (shown + 1 == room && rows_.size() > room) {
      out.push_back(fmt::format("({} more channels)", rows_.size() - shown).substr(0, width));
      break;
    }
    out.push_back(row_line(channel, true, std::to_string(row.count), rate_text(rate(row, now)),
                           row.last ? age_text(now - *row.last) : "-", row.payload, true));
    ++shown;
  }
  return out;
}

} // namespace statesync::tools
