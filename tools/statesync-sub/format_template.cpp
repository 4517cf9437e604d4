#include "format_template.hpp"

#include "message_printer.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <ctime>

namespace statesync::tools {
namespace {

[[noreturn]] void bad_template(std::string_view text, std::string_view why) {
  throw Error(ErrorKind::usage, fmt::format("bad format template '{}': {}", text, why));
}

// The escapes mosquitto_sub knows, and statesync's; 0 for none.
char escaped(char c) {
  switch (c) {
  case 'n':
    return '\n';
  case 't':
    return '\t';
  case 'r':
    return '\r';
  case '0':
    return '\0';
  case '\\':
    return '\\';
  case 'a':
    return '\a';
  case 'e':
    return '\033';
  case 'v':
    return '\v';
  default:
    return 0;
  }
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

int digits(std::string_view text, std::size_t& i) {
  int value = 0;
  while (i < text.size() && is_digit(text[i])) {
    value = std::min(value * 10 + (text[i++] - '0'), 1 << 20);
  }
  return value;
}

// "[-][0][WIDTH][.PRECISION]" after a '%', as mosquitto_sub reads it.
FieldSpec read_spec(std::string_view text, std::size_t& i) {
  FieldSpec spec;
  if (i < text.size() && text[i] == '-') {
    spec.left = true;
    ++i;
  }
  if (i < text.size() && text[i] == '0') {
    spec.pad = '0';
    ++i;
  }
  spec.width = digits(text, i);
  if (i < text.size() && text[i] == '.') {
    ++i;
    spec.precision = digits(text, i);
  }
  return spec;
}

} // namespace

FormatTemplate FormatTemplate::parse(std::string_view text) {
  FormatTemplate result;
  std::string literal;
  const auto add = [&](Field field, std::string piece_text = {}, FieldSpec spec = {}) {
    if (!literal.empty()) {
      result.pieces_.push_back({Field::literal, std::move(literal), {}});
      literal.clear();
    }
    result.pieces_.push_back({field, std::move(piece_text), spec});
  };
  const auto at_end = [&](std::size_t i, char c) {
    if (i >= text.size()) {
      bad_template(text, fmt::format("it ends in the middle of a field ('{}' at the end)", c));
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '%' && c != '\\' && c != '@') {
      literal += c;
      continue;
    }
    at_end(i + 1, c);
    if (c == '\\') {
      const char next = text[++i];
      if (escaped(next) == 0 && next != '0') {
        bad_template(text, fmt::format("unknown escape '\\{}'", next));
      }
      literal += escaped(next);
      continue;
    }
    if (c == '@') {
      const char next = text[++i];
      if (next == '@') {
        literal += '@';
      } else if (next == 'N') {
        add(Field::nanoseconds);
      } else {
        add(Field::strftime, std::string{'%', next});
      }
      continue;
    }
    ++i;
    const FieldSpec spec = read_spec(text, i);
    at_end(i, '%');
    const char next = text[i];
    Field field = Field::literal;
    bool takes_spec = true;
    switch (next) {
    case '%':
      takes_spec = false;
      break;
    case 't':
      field = Field::channel;
      break;
    case 'p':
      field = Field::payload;
      break;
    case 'P':
      field = Field::pattern;
      break;
    case 'l':
      field = Field::length;
      break;
    case 'x':
      field = Field::hex;
      break;
    case 'X':
      field = Field::hex_upper;
      break;
    case 'I':
      field = Field::iso_time;
      break;
    case 'b':
      field = Field::base64;
      takes_spec = false;
      break;
    case 'U':
      field = Field::unix_time;
      takes_spec = false;
      break;
    case 'v':
      field = Field::version;
      takes_spec = false;
      break;
    case 'j':
      field = Field::json;
      takes_spec = false;
      break;
    case 'e':
      field = Field::event;
      takes_spec = false;
      break;
    case 'y':
      field = Field::type;
      takes_spec = false;
      break;
    case 'i':
      field = Field::entry_id;
      takes_spec = false;
      break;
    case 'h':
      field = Field::host;
      takes_spec = false;
      break;
    case 's':
      field = Field::status;
      takes_spec = false;
      break;
    case 'L':
      field = Field::latency;
      takes_spec = false;
      break;
    case '{': {
      const auto close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        bad_template(text, "'%{' without its '}'");
      }
      if (spec.given()) {
        bad_template(text, "'%{NAME}' takes no width or precision");
      }
      add(Field::named, std::string(text.substr(i + 1, close - i - 1)));
      i = close;
      continue;
    }
    default:
      bad_template(text, fmt::format("unknown field '%{}'", next));
    }
    if (!takes_spec && spec.given()) {
      bad_template(text, fmt::format("'%{}' takes no width or precision", next));
    }
    if (field == Field::literal) {
      literal += '%';
    } else {
      add(field, {}, spec);
    }
  }
  if (!literal.empty()) {
    result.pieces_.push_back({Field::literal, std::move(literal), {}});
  }
  return result;
}

bool FormatTemplate::uses_time() const noexcept {
  for (const auto& piece : pieces_) {
    switch (piece.field) {
    case Field::iso_time:
    case Field::unix_time:
    case Field::json:
    case Field::strftime:
    case Field::nanoseconds:
      return true;
    default:
      break;
    }
  }
  return false;
}

void FormatTemplate::render(std::string& out, const Message& message, SystemTime received, const WatchFields& watch,
                            const StreamEntry* entry, const ReplyFields* reply) const {
  for (const auto& piece : pieces_) {
    render_piece(out, piece, message, received, watch, entry, reply);
  }
}

void FormatTemplate::render_piece(std::string& out, const Piece& piece, const Message& message, SystemTime received,
                                  const WatchFields& watch, const StreamEntry* entry, const ReplyFields* reply) const {
  switch (piece.field) {
  case Field::literal:
    out += piece.text;
    break;
  case Field::channel:
    append_string_field(out, message.channel, piece.spec);
    break;
  case Field::payload:
    append_payload_field(out, message.payload, 0, piece.spec);
    break;
  case Field::pattern:
    append_string_field(out, message.pattern, piece.spec);
    break;
  case Field::length:
    append_number_field(out, static_cast<long long>(message.payload.size()), piece.spec);
    break;
  case Field::hex:
    append_payload_field(out, message.payload, 1, piece.spec);
    break;
  case Field::hex_upper:
    append_payload_field(out, message.payload, 2, piece.spec);
    break;
  case Field::base64:
    append_base64(out, message.payload);
    break;
  case Field::iso_time: {
    std::string time;
    append_iso8601(time, received);
    append_string_field(out, time, piece.spec);
    break;
  }
  case Field::unix_time:
    append_unix_time(out, received);
    break;
  case Field::version:
    if (message.version) {
      fmt::format_to(std::back_inserter(out), "{}", *message.version);
    }
    break;
  case Field::json:
    if (reply != nullptr) {
      append_reply_json(out, message, received, *reply);
    } else {
      append_json(out, message, received);
    }
    break;
  case Field::host:
    if (reply != nullptr) {
      out += reply->host;
    }
    break;
  case Field::status:
    if (reply != nullptr) {
      out += reply->status ? std::to_string(*reply->status) : std::string("timeout");
    }
    break;
  case Field::latency:
    if (reply != nullptr) {
      fmt::format_to(std::back_inserter(out), "{:.3f}", reply->latency_ms);
    }
    break;
  case Field::event:
    out += watch.event;
    break;
  case Field::type:
    out += watch.type;
    break;
  case Field::entry_id:
    if (entry != nullptr) {
      fmt::format_to(std::back_inserter(out), "{}-{}", entry->id.ms, entry->id.seq);
    }
    break;
  case Field::named:
    if (const std::string* value = entry != nullptr ? entry->field(piece.text) : nullptr) {
      out += *value;
    }
    break;
  case Field::strftime: {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(received);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    char buffer[128];
    // The format is "%" and the letter the template chose: @-sequences are
    // strftime's conversions by design, as in mosquitto_sub.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    out.append(buffer, std::strftime(buffer, sizeof buffer, piece.text.c_str(), &local));
#pragma GCC diagnostic pop
    break;
  }
  case Field::nanoseconds: {
    const auto since_epoch = received.time_since_epoch();
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
        since_epoch - std::chrono::duration_cast<std::chrono::seconds>(since_epoch));
    fmt::format_to(std::back_inserter(out), "{:09}", nanos.count());
    break;
  }
  }
}

} // namespace statesync::tools
