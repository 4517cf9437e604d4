#pragma once
// Byte encodings for output: hex, base64, JSON strings, UTF-8 checking,
// timestamps. Each appends to a string, so that a burst of messages is
// formatted into one buffer without temporary strings.

#include <chrono>
#include <string>
#include <string_view>

namespace statesync::tools {

using SystemTime = std::chrono::system_clock::time_point;

// Hex, two digits per byte, lower case unless `upper_case`.
void append_hex(std::string& out, std::string_view bytes, bool upper_case = false);
// Standard base64 (RFC 4648) with padding.
void append_base64(std::string& out, std::string_view bytes);
// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view bytes) noexcept;
// A JSON string literal with its quotes: `"`, `\` and control characters
// escaped (control characters as \u00XX); other bytes as they are.
void append_json_string(std::string& out, std::string_view text);

// Compact JSON (as the tools write it) indented two spaces a level, one
// member per line: what --pretty prints, as mosquitto_sub's does.
std::string indented_json(std::string_view json);
// "2026-11-27T09:12:49.123456Z": UTC, microseconds.
void append_iso8601(std::string& out, SystemTime time);
// "1795770769.123456": seconds since the epoch, microseconds.
void append_unix_time(std::string& out, SystemTime time);

} // namespace statesync::tools
