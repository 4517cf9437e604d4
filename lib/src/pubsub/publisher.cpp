// Publishing one message: PUBLISH or SPUBLISH, the retain and clear
// scripts, on the server the link routes each to.

#include "protocol/script.hpp"
#include "pubsub/publish_commands.hpp"
#include "util/printable.hpp"

#include <statesync/error.hpp>
#include <statesync/publisher.hpp>

#include <fmt/format.h>

#include <array>

namespace statesync {
namespace detail {

Error unexpected_reply(std::string_view where, const char* what, const Reply& reply) {
  return Error(ErrorKind::protocol, fmt::format("unexpected reply to {} from {}: {}", what, where, reply.describe()));
}

} // namespace detail

namespace {

using detail::printable;

[[noreturn]] void refused(const Link& link, std::string_view channel, const Reply& reply) {
  throw Error(reply, fmt::format("cannot publish to '{}' at {}", printable(channel), link.where()));
}

} // namespace

Publisher::Publisher(Link& link, PublisherOptions options) : link_(link), options_(std::move(options)) {}

long long Publisher::publish(std::string_view channel, std::string_view payload) {
  const std::array<std::string_view, 3> args = {detail::publish_command(options_), channel, payload};
  const Reply reply = link_.command(args, channel);
  if (reply.is_error()) {
    refused(link_, channel, reply);
  }
  if (reply.type != Reply::Type::integer) {
    throw detail::unexpected_reply(link_.where(), "PUBLISH", reply);
  }
  return reply.integer;
}

Retained Publisher::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  const detail::RetainArgs args(options_, channel, payload, ttl);
  const Reply reply = detail::retain_publish_script().run(link_, args.key, args.keys_and_args);
  if (reply.is_error()) {
    refused(link_, channel, reply);
  }
  if (!detail::is_pair_of_integers(reply)) {
    throw detail::unexpected_reply(link_.where(), "the retain script", reply);
  }
  return {reply.elements[0].integer, reply.elements[1].integer};
}

Cleared Publisher::clear(std::string_view channel) {
  const detail::ClearArgs args(options_, channel);
  const Reply reply = detail::clear_retained_script().run(link_, args.key, args.keys_and_args);
  if (reply.is_error()) {
    refused(link_, channel, reply);
  }
  if (!detail::is_pair_of_integers(reply)) {
    throw detail::unexpected_reply(link_.where(), "the clear script", reply);
  }
  return {reply.elements[0].integer, reply.elements[1].integer != 0};
}

} // namespace statesync
