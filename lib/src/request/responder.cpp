// The responder: requests from a Subscriber, replies and presence entries
// over a second link (a subscribed connection cannot publish).

#include "protocol/script.hpp"
#include "request/envelope.hpp"
#include "util/printable.hpp"

#include <statesync/error.hpp>
#include <statesync/request.hpp>
#include <statesync/subscriber.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace statesync {
namespace {

SubscriberOptions subscriber_options(const ResponderOptions& options) {
  SubscriberOptions result;
  result.endpoint = options.endpoint;
  result.client_name = options.client_name;
  result.mode = options.sharded ? SubscriptionMode::sharded : SubscriptionMode::channels;
  result.names = options.channels;
  result.key_prefix = options.key_prefix;
  result.reconnect = options.reconnect;
  result.keepalive = options.keepalive;
  return result;
}

const ResponderOptions& checked(const ResponderOptions& options) {
  if (options.channels.empty()) {
    throw Error(ErrorKind::usage, "a responder needs a channel to answer on");
  }
  if (options.host.empty() || options.host.find_first_of("\n\t") != std::string::npos) {
    throw Error(ErrorKind::usage, fmt::format("the host name '{}' cannot be used in a reply: it is empty or holds "
                                              "a newline or tab",
                                              detail::printable(options.host)));
  }
  return options;
}

} // namespace

struct Responder::Impl {
  ResponderOptions options;
  std::string instance = detail::random_id();
  std::string member;
  Subscriber requests;
  Link link; // the second link: replies and presence entries, made as the subscriber makes its own
  Clock::time_point refresh_at{};

  explicit Impl(const ResponderOptions& given)
      : options(checked(given)), member(detail::presence_member(instance, options.host)),
        requests(subscriber_options(options)),
        link(LinkOptions{options.endpoint, options.client_name, options.reconnect}) {
    refresh_presence();
  }

  // One command on the reply link, reconnecting as the policy says; a
  // wait the wake fd ends rethrows the failure.
  Reply command(std::span<const std::string_view> args, std::string_view key) {
    for (;;) {
      try {
        return link.command(args, key);
      } catch (const Error& error) {
        if (!link.recover(error)) {
          throw;
        }
      }
    }
  }

  Reply run_presence(std::string_view channel, std::string_view ttl_ms) {
    const std::string key = detail::presence_key(options.key_prefix, channel);
    const std::array<std::string_view, 3> keys_and_args = {key, member, ttl_ms};
    const auto args = detail::presence_script().arguments(true, keys_and_args);
    Reply reply = command(args, key);
    if (detail::is_noscript(reply)) {
      reply = command(detail::presence_script().arguments(false, keys_and_args), key);
    }
    return reply;
  }

  void refresh_presence() {
    const std::string ttl = std::to_string(options.presence_ttl.count());
    for (const auto& channel : options.channels) {
      const Reply reply = run_presence(channel, ttl);
      if (reply.is_error()) {
        throw Error(reply, fmt::format("cannot keep the presence entry of '{}' at {}", detail::printable(channel),
                                       link.where()));
      }
    }
    refresh_at = Clock::now() + options.presence_ttl / 3;
  }

  bool requester_waiting(const IncomingRequest& request) {
    const std::array<std::string_view, 3> args = {"PUBSUB", options.sharded ? "SHARDNUMSUB" : "NUMSUB",
                                                  request.reply_channel};
    const Reply reply = command(args, request.reply_channel);
    if (reply.is_error()) {
      throw Error(reply, fmt::format("cannot count the subscribers of '{}' at {}",
                                     detail::printable(request.reply_channel), link.where()));
    }
    return reply.type == Reply::Type::array && reply.elements.size() == 2 && reply.elements[1].integer > 0;
  }
};

Responder::Responder(ResponderOptions options) : impl_(std::make_unique<Impl>(options)) {}
Responder::Responder(Responder&&) noexcept = default;
Responder& Responder::operator=(Responder&&) noexcept = default;
Responder::~Responder() = default;

const std::string& Responder::instance() const noexcept {
  return impl_->instance;
}

std::optional<IncomingRequest> Responder::next(std::optional<Clock::time_point> deadline) {
  for (;;) {
    if (Clock::now() >= impl_->refresh_at) {
      impl_->refresh_presence();
    }
    const auto wait_until = deadline ? std::min(*deadline, impl_->refresh_at) : impl_->refresh_at;
    std::optional<SubscriberEvent> event = impl_->requests.next(wait_until);
    if (!event) {
      if ((deadline && Clock::now() >= *deadline) || Clock::now() < impl_->refresh_at) {
        return std::nullopt; // the caller's deadline, or a wake
      }
      continue; // time to refresh the presence entries
    }
    if (event->type == SubscriberEvent::Type::reconnected) {
      impl_->refresh_presence(); // a restarted server forgot them
      continue;
    }
    if (event->type != SubscriberEvent::Type::message) {
      continue;
    }
    std::optional<IncomingRequest> request = detail::decode_request(event->message.channel, event->message.payload);
    if (request && impl_->requester_waiting(*request)) {
      return request;
    }
  }
}

bool Responder::requester_waiting(const IncomingRequest& request) {
  return impl_->requester_waiting(request);
}

void Responder::reply(const IncomingRequest& request, const ReplyBody& body) {
  const std::string envelope = detail::encode_reply(request.id, impl_->instance, impl_->options.host, body);
  const std::array<std::string_view, 3> args = {impl_->options.sharded ? "SPUBLISH" : "PUBLISH", request.reply_channel,
                                                envelope};
  const Reply reply = impl_->command(args, request.reply_channel);
  if (reply.is_error()) {
    throw Error(reply, fmt::format("cannot publish the reply to '{}' at {}", detail::printable(request.reply_channel),
                                   impl_->link.where()));
  }
}

void Responder::set_wake_fd(int fd) noexcept {
  impl_->requests.set_wake_fd(fd);
  impl_->link.set_wake_fd(fd);
}

void Responder::close() noexcept {
  impl_->requests.close();
  try {
    // Once, without reconnecting: an exit is not held up by a server that
    // has gone.
    for (const auto& channel : impl_->options.channels) {
      const std::string key = detail::presence_key(impl_->options.key_prefix, channel);
      const std::array<std::string_view, 3> keys_and_args = {key, impl_->member, "0"};
      detail::presence_script().run(impl_->link, key, keys_and_args);
    }
  } catch (const Error&) {
    // Best effort: the entry expires on its own.
  }
  impl_->link.reset();
}

} // namespace statesync
