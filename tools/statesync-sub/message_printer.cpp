#include "message_printer.hpp"

#include <fmt/format.h>

namespace statesync::tools {
namespace {

constexpr std::string_view channel_colour = "\033[1;35m";
constexpr std::string_view colour_off = "\033[0m";

} // namespace

void append_json_field(std::string& out, std::string_view name, std::string_view bytes) {
  out += '"';
  out += name;
  if (is_valid_utf8(bytes)) {
    out += "\":";
    append_json_string(out, bytes);
  } else {
    out += "_base64\":\"";
    append_base64(out, bytes);
    out += '"';
  }
}

void append_json(std::string& out, const Message& message, SystemTime received) {
  out += '{';
  append_json_field(out, "channel", message.channel);
  if (!message.pattern.empty()) {
    out += ',';
    append_json_field(out, "pattern", message.pattern);
  }
  if (message.version) {
    fmt::format_to(std::back_inserter(out), ",\"retained\":true,\"version\":{}", *message.version);
  } else if (message.cleared) {
    out += ",\"retained\":true,\"cleared\":true";
  }
  out += ",\"time\":\"";
  append_iso8601(out, received);
  out += "\",";
  append_json_field(out, "payload", message.payload);
  out += '}';
}

void append_reply_json(std::string& out, const Message& message, SystemTime received, const ReplyFields& reply) {
  out += '{';
  append_json_field(out, "host", reply.host);
  if (reply.status) {
    fmt::format_to(std::back_inserter(out), ",\"status\":{},\"timed_out\":false", *reply.status);
  } else {
    out += ",\"status\":null,\"timed_out\":true";
  }
  fmt::format_to(std::back_inserter(out), ",\"latency_ms\":{:.3f},", reply.latency_ms);
  std::string rest;
  append_json(rest, message, received);
  out.append(rest, 1); // its fields, after its '{'
}

MessagePrinter::MessagePrinter(const SubOptions& options, bool colour)
    : style_(options.json                 ? Style::json
             : options.format             ? Style::format
             : options.connection.verbose ? Style::channel_and_payload
                                          : Style::payload),
      terminator_(options.no_newline ? ""
                  : options.null     ? std::string(1, '\0')
                                     : "\n"),
      colour_(colour), pretty_(options.pretty), needs_time_(false) {
  if (options.format) {
    template_ = FormatTemplate::parse(*options.format);
    needs_time_ = template_->uses_time();
  }
  needs_time_ = needs_time_ || style_ == Style::json;
}

void append_entry_json(std::string& out, const StreamEntry& entry) {
  out += '{';
  append_json_field(out, "stream", entry.stream);
  fmt::format_to(std::back_inserter(out), ",\"id\":\"{}-{}\",\"fields\":{{", entry.id.ms, entry.id.seq);
  for (std::size_t i = 0; i < entry.fields.size(); ++i) {
    if (i > 0) {
      out += ',';
    }
    // A name is written as a JSON string's contents: escaped, not quoted twice.
    std::string name;
    append_json_string(name, entry.fields[i].first);
    append_json_field(out, std::string_view(name).substr(1, name.size() - 2), entry.fields[i].second);
  }
  out += "}}";
}

void MessagePrinter::append(std::string& out, const Message& message, const WatchFields& watch,
                            const StreamEntry* entry) const {
  const SystemTime received = needs_time_ ? std::chrono::system_clock::now() : SystemTime{};
  switch (style_) {
  case Style::payload:
    out += message.payload;
    break;
  case Style::channel_and_payload:
    if (colour_) {
      out += channel_colour;
      out += message.channel;
      out += colour_off;
    } else {
      out += message.channel;
    }
    out += ' ';
    out += message.payload;
    break;
  case Style::format:
    template_->render(out, message, received, watch, entry);
    break;
  case Style::json: {
    std::string json;
    if (entry != nullptr) {
      append_entry_json(json, *entry);
    } else {
      append_json(json, message, received);
    }
    out += pretty_ ? indented_json(json) : json;
    break;
  }
  }
  out += terminator_;
}

} // namespace statesync::tools
