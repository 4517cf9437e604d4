#include "pubsub/subscriber_protocol.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <charconv>

namespace statesync::detail {
namespace {

[[noreturn]] void unexpected(const Reply& reply, std::string_view context) {
  throw Error(ErrorKind::protocol, fmt::format("unexpected reply {}: {}", context, reply.describe()));
}

bool is_string(const Reply& reply) {
  return reply.type == Reply::Type::string;
}

// A retained state from its payload and version fields; `where` names
// the state in messages.
Message state_message(const Reply& payload, const Reply& version, std::string_view channel, std::string_view where) {
  long long number = 0;
  const char* end = version.str.data() + version.str.size();
  if (!is_string(payload) || !is_string(version) || version.str.empty() ||
      std::from_chars(version.str.data(), end, number).ptr != end) {
    throw Error(ErrorKind::protocol, fmt::format("the retained state of '{}' is malformed: payload {}, version {}",
                                                 where, payload.describe(), version.describe()));
  }
  Message message;
  message.channel = channel;
  message.payload = payload.str;
  message.version = number;
  message.current_state = true;
  return message;
}

} // namespace

PushKind read_push(Reply& reply, Message& out) {
  if (reply.is_error()) {
    throw Error(reply, "the server said");
  }
  auto& parts = reply.elements;
  if (reply.type != Reply::Type::array || parts.empty() || !is_string(parts[0])) {
    unexpected(reply, "while subscribed");
  }
  const std::string_view kind = parts[0].str;
  if ((kind == "message" || kind == "smessage") && parts.size() == 3 && is_string(parts[1]) && is_string(parts[2])) {
    out.channel = std::move(parts[1].str);
    out.pattern.clear();
    out.payload = std::move(parts[2].str);
    out.version.reset();
    return PushKind::message;
  }
  if (kind == "pmessage" && parts.size() == 4 && is_string(parts[1]) && is_string(parts[2]) && is_string(parts[3])) {
    out.pattern = std::move(parts[1].str);
    out.channel = std::move(parts[2].str);
    out.payload = std::move(parts[3].str);
    out.version.reset();
    return PushKind::message;
  }
  if (kind == "pong") {
    return PushKind::pong;
  }
  if (kind == "sunsubscribe") {
    // Nobody asked: a cluster moved the channel's slot away.
    return PushKind::dropped;
  }
  if (kind == "subscribe" || kind == "psubscribe" || kind == "ssubscribe" || kind == "unsubscribe" ||
      kind == "punsubscribe") {
    return PushKind::subscribed;
  }
  unexpected(reply, "while subscribed");
}

std::string_view subscribe_command(SubscriptionMode mode) noexcept {
  switch (mode) {
  case SubscriptionMode::patterns:
    return "PSUBSCRIBE";
  case SubscriptionMode::sharded:
    return "SSUBSCRIBE";
  case SubscriptionMode::channels:
    break;
  }
  return "SUBSCRIBE";
}

std::string_view unsubscribe_command(SubscriptionMode mode) noexcept {
  switch (mode) {
  case SubscriptionMode::patterns:
    return "PUNSUBSCRIBE";
  case SubscriptionMode::sharded:
    return "SUNSUBSCRIBE";
  case SubscriptionMode::channels:
    break;
  }
  return "UNSUBSCRIBE";
}

void expect_confirmation(const Reply& reply, std::string_view name) {
  if (reply.is_error()) {
    throw Error(reply, fmt::format("cannot subscribe to '{}'", name));
  }
  const auto& parts = reply.elements;
  if (reply.type != Reply::Type::array || parts.size() != 3 || !is_string(parts[0]) ||
      !parts[0].str.ends_with("subscribe")) {
    unexpected(reply, fmt::format("to subscribing to '{}'", name));
  }
}

std::optional<Message> retained_state(const Reply& reply, std::string_view channel, std::string_view key) {
  if (reply.is_error()) {
    throw Error(reply, fmt::format("cannot read the retained state of '{}' from {}", channel, key));
  }
  const auto& fields = reply.elements;
  if (reply.type != Reply::Type::array || fields.size() != 2) {
    unexpected(reply, fmt::format("reading {}", key));
  }
  if (fields[0].type == Reply::Type::nil) {
    return std::nullopt; // nothing retained (or cleared)
  }
  return state_message(fields[0], fields[1], channel, key);
}

std::vector<Message> retained_states_matching(const Reply& reply, std::string_view pattern) {
  if (reply.is_error()) {
    throw Error(reply, fmt::format("cannot read the retained states matching '{}'", pattern));
  }
  if (reply.type != Reply::Type::array) {
    unexpected(reply, fmt::format("reading the retained states matching '{}'", pattern));
  }
  std::vector<Message> states;
  for (const Reply& triple : reply.elements) {
    const auto& parts = triple.elements;
    if (triple.type != Reply::Type::array || parts.size() != 3 || !is_string(parts[0])) {
      unexpected(reply, fmt::format("reading the retained states matching '{}'", pattern));
    }
    states.push_back(state_message(parts[1], parts[2], parts[0].str, parts[0].str));
    states.back().pattern = pattern;
  }
  return states;
}

std::string glob_escape(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      escaped += '\\';
    }
    escaped += c;
  }
  return escaped;
}

} // namespace statesync::detail
