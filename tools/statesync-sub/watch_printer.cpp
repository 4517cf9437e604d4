#include "watch_printer.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cmath>

namespace statesync::tools {
namespace {

// A JSON string, or {"base64": ...} for bytes that are not UTF-8.
void append_bytes(std::string& out, std::string_view bytes) {
  if (is_valid_utf8(bytes)) {
    append_json_string(out, bytes);
    return;
  }
  out += "{\"base64\":\"";
  append_base64(out, bytes);
  out += "\"}";
}

// A score as a JSON number; infinities, which JSON lacks, as strings.
void append_score(std::string& out, const std::string& score) {
  double number = 0;
  const auto [end, error] = std::from_chars(score.data(), score.data() + score.size(), number);
  if (error == std::errc() && end == score.data() + score.size() && std::isfinite(number)) {
    out += score;
  } else {
    append_json_string(out, score);
  }
}

} // namespace

void append_watch_value_json(std::string& out, const KeyValue& value) {
  switch (value.type) {
  case KeyValue::Type::string:
    append_bytes(out, value.bytes);
    return;
  case KeyValue::Type::hash: {
    out += '{';
    const char* separator = "";
    for (const auto& [field, bytes] : value.pairs) {
      out += separator;
      separator = ",";
      // An object's names must be strings: a field that is not UTF-8
      // is named by its base64, marked so.
      if (is_valid_utf8(field)) {
        append_json_string(out, field);
      } else {
        out += "\"base64:";
        append_base64(out, field);
        out += '"';
      }
      out += ':';
      append_bytes(out, bytes);
    }
    out += '}';
    return;
  }
  case KeyValue::Type::list:
  case KeyValue::Type::set: {
    out += '[';
    const char* separator = "";
    for (const auto& element : value.elements) {
      out += separator;
      separator = ",";
      append_bytes(out, element);
    }
    out += ']';
    return;
  }
  case KeyValue::Type::zset: {
    out += '[';
    const char* separator = "";
    for (const auto& [member, score] : value.pairs) {
      out += separator;
      separator = ",";
      out += '[';
      append_bytes(out, member);
      out += ',';
      append_score(out, score);
      out += ']';
    }
    out += ']';
    return;
  }
  case KeyValue::Type::other:
    break;
  }
  out += "null";
}

std::string shown_name(const std::string& name) {
  std::string text;
  for (const char c : name) {
    const auto byte = static_cast<unsigned char>(c);
    text += byte < 0x20 || byte == 0x7f ? fmt::format("\\x{:02x}", byte) : std::string(1, c);
  }
  return text;
}

std::string value_text(const KeyChange& change) {
  if (change.event == KeyChange::Event::deleted) {
    return {};
  }
  const KeyValue& value = change.value;
  switch (value.type) {
  case KeyValue::Type::string:
    return value.bytes;
  case KeyValue::Type::hash: {
    std::string text;
    for (const auto& [field, bytes] : value.pairs) {
      text += text.empty() ? "" : "\n";
      text += field;
      text += '=';
      text += bytes;
    }
    return text;
  }
  default:
    return "(" + value.type_name + ")";
  }
}

void append_watch_json(std::string& out, const KeyChange& change, SystemTime received) {
  out += '{';
  append_json_field(out, "key", change.key);
  if (!change.pattern.empty()) {
    out += ',';
    append_json_field(out, "pattern", change.pattern);
  }
  fmt::format_to(std::back_inserter(out), ",\"event\":\"{}\",\"type\":", event_name(change.event));
  if (change.event == KeyChange::Event::deleted) {
    out += "null,\"value\":null";
  } else {
    append_json_string(out, change.value.type_name);
    out += ",\"value\":";
    append_watch_value_json(out, change.value);
  }
  out += ",\"time\":\"";
  append_iso8601(out, received);
  out += "\"}";
}

WatchPrinter::WatchPrinter(const SubOptions& options, bool colour)
    : text_(options, colour), json_(options.json), shows_deletions_(options.json || options.format.has_value()),
      terminator_(options.no_newline ? ""
                  : options.null     ? std::string(1, '\0')
                                     : "\n") {}

bool WatchPrinter::append(std::string& out, const KeyChange& change) const {
  if (change.event == KeyChange::Event::deleted && !shows_deletions_) {
    return false;
  }
  if (json_) {
    append_watch_json(out, change, std::chrono::system_clock::now());
    out += terminator_;
    return true;
  }
  Message message;
  message.channel = change.key;
  message.pattern = change.pattern;
  message.payload = value_text(change);
  const std::string_view type =
      change.event == KeyChange::Event::deleted ? std::string_view() : std::string_view(change.value.type_name);
  text_.append(out, message, {event_name(change.event), type});
  return true;
}

} // namespace statesync::tools
