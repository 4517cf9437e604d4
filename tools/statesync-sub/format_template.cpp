#include "format_template.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

namespace statesync::tools {
namespace {

[[noreturn]] void bad_template(std::string_view text, std::string_view why) {
  throw Error(ErrorKind::usage, fmt::format("bad format template '{}': {}", text, why));
}

} // namespace

FormatTemplate FormatTemplate::parse(std::string_view text) {
  FormatTemplate result;
  std::string literal;
  const auto add = [&](Field field) {
    if (!literal.empty()) {
      result.pieces_.push_back({Field::literal, std::move(literal)});
      literal.clear();
    }
    result.pieces_.push_back({field, {}});
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '%' && c != '\\') {
      literal += c;
      continue;
    }
    if (i + 1 == text.size()) {
      bad_template(text, fmt::format("it ends in the middle of a field ('{}' at the end)", c));
    }
    const char next = text[++i];
    if (c == '\\') {
      switch (next) {
      case 'n':
        literal += '\n';
        break;
      case 't':
        literal += '\t';
        break;
      case 'r':
        literal += '\r';
        break;
      case '0':
        literal += '\0';
        break;
      case '\\':
        literal += '\\';
        break;
      default:
        bad_template(text, fmt::format("unknown escape '\\{}'", next));
      }
      continue;
    }
    switch (next) {
    case '%':
      literal += '%';
      break;
    case 't':
      add(Field::channel);
      break;
    case 'p':
      add(Field::payload);
      break;
    case 'P':
      add(Field::pattern);
      break;
    case 'l':
      add(Field::length);
      break;
    case 'x':
      add(Field::hex);
      break;
    case 'b':
      add(Field::base64);
      break;
    case 'I':
      add(Field::iso_time);
      break;
    case 'U':
      add(Field::unix_time);
      break;
    case 'v':
      add(Field::version);
      break;
    case 'i':
      add(Field::entry_id);
      break;
    case '{': {
      const auto close = text.find('}', i + 1);
      if (close == std::string_view::npos) {
        bad_template(text, "'%{' without its '}'");
      }
      add(Field::named);
      result.pieces_.back().text = text.substr(i + 1, close - i - 1);
      i = close;
      break;
    }
    default:
      bad_template(text, fmt::format("unknown field '%{}'", next));
    }
  }
  if (!literal.empty()) {
    result.pieces_.push_back({Field::literal, std::move(literal)});
  }
  return result;
}

bool FormatTemplate::uses_time() const noexcept {
  for (const auto& piece : pieces_) {
    if (piece.field == Field::iso_time || piece.field == Field::unix_time) {
      return true;
    }
  }
  return false;
}

void FormatTemplate::render(std::string& out, const Message& message, SystemTime received,
                            const StreamEntry* entry) const {
  for (const auto& piece : pieces_) {
    switch (piece.field) {
    case Field::literal:
      out += piece.text;
      break;
    case Field::channel:
      out += message.channel;
      break;
    case Field::payload:
      out += message.payload;
      break;
    case Field::pattern:
      out += message.pattern;
      break;
    case Field::length:
      fmt::format_to(std::back_inserter(out), "{}", message.payload.size());
      break;
    case Field::hex:
      append_hex(out, message.payload);
      break;
    case Field::base64:
      append_base64(out, message.payload);
      break;
    case Field::iso_time:
      append_iso8601(out, received);
      break;
    case Field::unix_time:
      append_unix_time(out, received);
      break;
    case Field::version:
      if (message.version) {
        fmt::format_to(std::back_inserter(out), "{}", *message.version);
      }
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
    }
  }
}

} // namespace statesync::tools
