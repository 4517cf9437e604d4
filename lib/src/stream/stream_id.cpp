// Stream IDs, start points and times as a user writes them.

#include <statesync/error.hpp>
#include <statesync/stream_id.hpp>

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>

namespace statesync {
namespace {

bool parse_number(std::string_view text, std::uint64_t& value) {
  if (text.empty()) {
    return false;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

[[noreturn]] void bad_time(std::string_view text) {
  throw Error(ErrorKind::usage,
              fmt::format("'{}' is not a time: give Unix seconds or ISO 8601 (2026-11-29T19:00:00Z)", text));
}

// Reads `count` digits at `pos` into `value`.
bool digits(std::string_view text, std::size_t& pos, std::size_t count, int& value) {
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') {
      return false;
    }
    value = value * 10 + (c - '0');
  }
  pos += count;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

// YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|+HH:MM|-HH:MM]; no offset is UTC.
std::chrono::system_clock::time_point parse_iso8601(std::string_view text) {
  std::tm tm{};
  std::size_t pos = 0;
  int seconds = 0;
  const bool date = digits(text, pos, 4, tm.tm_year) && expect(text, pos, '-') && digits(text, pos, 2, tm.tm_mon) &&
                    expect(text, pos, '-') && digits(text, pos, 2, tm.tm_mday);
  if (!date || !(expect(text, pos, 'T') || expect(text, pos, ' ')) || !digits(text, pos, 2, tm.tm_hour) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, tm.tm_min)) {
    bad_time(text);
  }
  if (expect(text, pos, ':') && !digits(text, pos, 2, seconds)) {
    bad_time(text);
  }
  std::chrono::microseconds fraction{0};
  if (expect(text, pos, '.')) {
    long long scale = 100000;
    const std::size_t first = pos;
    for (; pos < text.size() && text[pos] >= '0' && text[pos] <= '9'; ++pos) {
      fraction += std::chrono::microseconds((text[pos] - '0') * scale);
      scale /= 10;
    }
    if (pos == first) {
      bad_time(text);
    }
  }
  int offset_minutes = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos++] == '-' ? -1 : 1;
    int hours = 0;
    int minutes = 0;
    const bool hours_ok = digits(text, pos, 2, hours);
    expect(text, pos, ':'); // +01:00 and +0100 alike
    if (!hours_ok || !digits(text, pos, 2, minutes)) {
      bad_time(text);
    }
    offset_minutes = sign * (hours * 60 + minutes);
  } else {
    expect(text, pos, 'Z');
  }
  if (pos != text.size() || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || seconds > 60) {
    bad_time(text);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_sec = seconds;
  const std::time_t utc = ::timegm(&tm);
  return std::chrono::system_clock::from_time_t(utc) - std::chrono::minutes(offset_minutes) + fraction;
}

// "MS-SEQ" or "MS" into `id`; false for anything else.
bool parse_id(std::string_view text, StreamId& id) {
  const auto dash = text.find('-');
  return dash == std::string_view::npos
             ? parse_number(text, id.ms)
             : parse_number(text.substr(0, dash), id.ms) && parse_number(text.substr(dash + 1), id.seq);
}

bool is_entry_id(std::string_view text) {
  StreamId ignored;
  return parse_id(text, ignored);
}

} // namespace

StreamId StreamId::parse(std::string_view text, std::string_view what) {
  StreamId id;
  if (!parse_id(text, id)) {
    throw Error(ErrorKind::usage,
                fmt::format("{}{}'{}' is not an entry ID (MILLISECONDS-SEQUENCE, e.g. 1700000000000-0)", what,
                            what.empty() ? "" : ": ", text));
  }
  return id;
}

StreamId StreamId::at(std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  return {static_cast<std::uint64_t>(std::max<long long>(ms, 0)), 0};
}

std::string StreamId::str() const {
  return fmt::format("{}-{}", ms, seq);
}

StreamId StreamId::previous() const noexcept {
  if (seq > 0) {
    return {ms, seq - 1};
  }
  if (ms > 0) {
    return {ms - 1, std::numeric_limits<std::uint64_t>::max()};
  }
  return {};
}

std::chrono::system_clock::time_point parse_time(std::string_view text) {
  if (text.find_first_not_of("0123456789.") == std::string_view::npos && !text.empty()) {
    double seconds = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (error != std::errc{} || end != text.data() + text.size() || !std::isfinite(seconds)) {
      bad_time(text);
    }
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::duration<double>(seconds)));
  }
  return parse_iso8601(text);
}

StreamStart parse_stream_start(std::string_view text) {
  if (text == "$") {
    return {};
  }
  if (text.starts_with('@')) {
    return {StreamStart::Kind::after, StreamId::at(parse_time(text.substr(1))).previous(), 0};
  }
  if (text.starts_with('-')) {
    std::uint64_t count = 0;
    if (!parse_number(text.substr(1), count) || count == 0) {
      throw Error(ErrorKind::usage, fmt::format("'{}' is not a number of last entries (-N, N at least 1)", text));
    }
    return {StreamStart::Kind::last, {}, count};
  }
  if (!is_entry_id(text)) {
    throw Error(ErrorKind::usage, fmt::format("'{}' is not a start: give $, 0, an entry ID, -N or @TIME", text));
  }
  return {StreamStart::Kind::after, StreamId::parse(text).previous(), 0};
}

StreamId parse_stream_until(std::string_view text) {
  if (text.starts_with('@')) {
    const StreamId at = StreamId::at(parse_time(text.substr(1)));
    return {at.ms, std::numeric_limits<std::uint64_t>::max()};
  }
  if (!is_entry_id(text)) {
    throw Error(ErrorKind::usage, fmt::format("'{}' is not an end: give an entry ID or @TIME", text));
  }
  return StreamId::parse(text);
}

} // namespace statesync
