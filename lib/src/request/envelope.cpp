#include "request/envelope.hpp"

#include <statesync/cluster.hpp>

#include <fmt/format.h>

#include <charconv>
#include <random>

namespace statesync::detail {
namespace {

constexpr std::string_view request_magic = "statesync-request/1\n";
constexpr std::string_view reply_magic = "statesync-reply/1\n";

// The next newline-ended field of `rest`, which is left after it.
std::optional<std::string_view> take_line(std::string_view& rest) {
  const auto end = rest.find('\n');
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view line = rest.substr(0, end);
  rest.remove_prefix(end + 1);
  return line;
}

} // namespace

std::string slot_tag(std::string_view channel) {
  const int slot = key_slot(channel);
  // 16384 slots: a match comes within a few tens of thousands of tries.
  for (unsigned number = 0;; ++number) {
    std::string tag = fmt::format("{:x}", number);
    if (key_slot("{" + tag + "}") == slot) {
      return tag;
    }
  }
}

std::string presence_key(std::string_view prefix, std::string_view channel) {
  return fmt::format("{}presence:{{{}}}{}", prefix, slot_tag(channel), channel);
}

std::string reply_channel(std::string_view prefix, std::string_view channel, std::string_view id) {
  return fmt::format("{}reply:{{{}}}:{}", prefix, slot_tag(channel), id);
}

std::string random_id() {
  std::random_device device;
  std::uniform_int_distribution<unsigned long long> bits;
  return fmt::format("{:016x}{:016x}", bits(device), bits(device));
}

std::string encode_request(std::string_view id, std::string_view reply_channel, std::string_view payload) {
  std::string out;
  out.reserve(request_magic.size() + id.size() + reply_channel.size() + payload.size() + 2);
  out += request_magic;
  out += id;
  out += '\n';
  out += reply_channel;
  out += '\n';
  out += payload;
  return out;
}

std::optional<IncomingRequest> decode_request(std::string_view channel, std::string_view message) {
  if (!message.starts_with(request_magic)) {
    return std::nullopt;
  }
  std::string_view rest = message.substr(request_magic.size());
  const auto id = take_line(rest);
  const auto reply_to = id ? take_line(rest) : std::nullopt;
  if (!reply_to || id->empty() || reply_to->empty()) {
    return std::nullopt;
  }
  return IncomingRequest{std::string(channel), std::string(*id), std::string(*reply_to), std::string(rest)};
}

std::string encode_reply(std::string_view id, std::string_view instance, std::string_view host, const ReplyBody& body) {
  std::string out(reply_magic);
  out += id;
  out += '\n';
  out += instance;
  out += '\n';
  out += host;
  out += '\n';
  out += body.timed_out ? std::string("timeout") : std::to_string(body.status);
  out += '\n';
  out += body.output;
  return out;
}

std::optional<RequestReply> decode_reply(std::string_view id, std::string_view message) {
  if (!message.starts_with(reply_magic)) {
    return std::nullopt;
  }
  std::string_view rest = message.substr(reply_magic.size());
  const auto reply_id = take_line(rest);
  if (!reply_id || *reply_id != id) {
    return std::nullopt;
  }
  const auto instance = take_line(rest);
  const auto host = instance ? take_line(rest) : std::nullopt;
  const auto status = host ? take_line(rest) : std::nullopt;
  if (!status) {
    return std::nullopt;
  }
  RequestReply reply;
  reply.instance = std::string(*instance);
  reply.host = std::string(*host);
  if (*status == "timeout") {
    reply.timed_out = true;
  } else {
    const auto [end, error] = std::from_chars(status->data(), status->data() + status->size(), reply.status);
    if (error != std::errc{} || end != status->data() + status->size()) {
      return std::nullopt;
    }
  }
  reply.output = std::string(rest);
  return reply;
}

std::string presence_member(std::string_view instance, std::string_view host) {
  return fmt::format("{}\t{}", instance, host);
}

PresentResponder parse_presence_member(std::string_view member) {
  const auto tab = member.find('\t');
  if (tab == std::string_view::npos) {
    return {std::string(member), std::string(member)};
  }
  return {std::string(member.substr(0, tab)), std::string(member.substr(tab + 1))};
}

} // namespace statesync::detail
