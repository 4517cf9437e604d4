#include "encoding.hpp"

#include <fmt/format.h>

#include <ctime>

namespace statesync::tools {

namespace {
constexpr char hex_digits[] = "0123456789abcdef";
constexpr char upper_hex_digits[] = "0123456789ABCDEF";
} // namespace

void append_hex(std::string& out, std::string_view bytes, bool upper_case) {
  const char* digits = upper_case ? upper_hex_digits : hex_digits;
  out.reserve(out.size() + 2 * bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += digits[byte >> 4];
    out += digits[byte & 0xf];
  }
}

void append_base64(std::string& out, std::string_view bytes) {
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.reserve(out.size() + (bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  const auto at = [&](std::size_t k) {
    return static_cast<unsigned>(static_cast<unsigned char>(bytes[k]));
  };
  for (; i + 3 <= bytes.size(); i += 3) {
    const unsigned group = at(i) << 16 | at(i + 1) << 8 | at(i + 2);
    out += alphabet[group >> 18];
    out += alphabet[(group >> 12) & 63];
    out += alphabet[(group >> 6) & 63];
    out += alphabet[group & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const unsigned group = at(i) << 16 | (rest == 2 ? at(i + 1) << 8 : 0);
    out += alphabet[group >> 18];
    out += alphabet[(group >> 12) & 63];
    out += rest == 2 ? alphabet[(group >> 6) & 63] : '=';
    out += '=';
  }
}

bool is_valid_utf8(std::string_view bytes) noexcept {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  const auto byte = [&](std::size_t k) {
    return static_cast<unsigned char>(bytes[k]);
  };
  const auto continuation = [&](std::size_t k) {
    return k < n && (byte(k) & 0xC0) == 0x80;
  };
  while (i < n) {
    const unsigned char lead = byte(i);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80; // the allowed range of the second byte
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      low = lead == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
      high = lead == 0xED ? 0x9F : 0xBF; // no surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      low = lead == 0xF0 ? 0x90 : 0x80;  // no overlong forms
      high = lead == 0xF4 ? 0x8F : 0xBF; // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + 1 >= n || byte(i + 1) < low || byte(i + 1) > high) {
      return false;
    }
    for (std::size_t k = 2; k < length; ++k) {
      if (!continuation(i + k)) {
        return false;
      }
    }
    i += length;
  }
  return true;
}

void append_json_string(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20) {
      out += "\\u00";
      out += hex_digits[byte >> 4];
      out += hex_digits[byte & 0xf];
    } else {
      out += c;
    }
  }
  out += '"';
}

namespace {

// Seconds and microseconds since the epoch, floored (also before 1970).
std::pair<std::time_t, long long> split_time(SystemTime time) {
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
  long long seconds = micros / 1000000;
  long long fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    --seconds;
  }
  return {static_cast<std::time_t>(seconds), fraction};
}

} // namespace

void append_iso8601(std::string& out, SystemTime time) {
  const auto [seconds, micros] = split_time(time);
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  fmt::format_to(std::back_inserter(out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", utc.tm_year + 1900,
                 utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, micros);
}

void append_unix_time(std::string& out, SystemTime time) {
  const auto [seconds, micros] = split_time(time);
  fmt::format_to(std::back_inserter(out), "{}.{:06}", static_cast<long long>(seconds), micros);
}

std::string indented_json(std::string_view json) {
  std::string out;
  std::size_t depth = 0;
  bool in_string = false;
  const auto new_line = [&] {
    out += '\n';
    out.append(2 * depth, ' ');
  };
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < json.size()) {
        out += json[++i]; // an escaped quote does not end the string
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
    case '"':
      in_string = true;
      out += c;
      break;
    case '{':
    case '[':
      out += c;
      if (i + 1 < json.size() && (json[i + 1] == '}' || json[i + 1] == ']')) {
        out += json[++i]; // empty: {} or []
        break;
      }
      ++depth;
      new_line();
      break;
    case '}':
    case ']':
      depth = depth > 0 ? depth - 1 : 0;
      new_line();
      out += c;
      break;
    case ',':
      out += c;
      new_line();
      break;
    case ':':
      out += ": ";
      break;
    default:
      out += c;
    }
  }
  return out;
}

} // namespace statesync::tools
