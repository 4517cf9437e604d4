// The requester: a reply channel subscribed (confirmed) before the request
// is published, the publish and the presence read in one script, then the
// replies as they come.

#include "protocol/script.hpp"
#include "request/envelope.hpp"
#include "util/printable.hpp"

#include <statesync/error.hpp>
#include <statesync/request.hpp>
#include <statesync/subscriber.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <iterator>
#include <set>

namespace statesync {

struct PendingRequest::Impl {
  std::string id;
  long long receivers = 0;
  std::vector<PresentResponder> present;
  std::set<std::string> answered; // instances
  Subscriber replies;
  Clock::time_point sent;
};

PendingRequest::PendingRequest(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PendingRequest::PendingRequest(PendingRequest&&) noexcept = default;
PendingRequest& PendingRequest::operator=(PendingRequest&&) noexcept = default;
PendingRequest::~PendingRequest() = default;

const std::string& PendingRequest::id() const noexcept {
  return impl_->id;
}

long long PendingRequest::receivers() const noexcept {
  return impl_->receivers;
}

const std::vector<PresentResponder>& PendingRequest::present() const noexcept {
  return impl_->present;
}

std::optional<RequestReply> PendingRequest::next(std::optional<Clock::time_point> deadline) {
  for (;;) {
    std::optional<SubscriberEvent> event = impl_->replies.next(deadline);
    if (!event) {
      return std::nullopt;
    }
    if (event->type != SubscriberEvent::Type::message) {
      continue;
    }
    std::optional<RequestReply> reply = detail::decode_reply(impl_->id, event->message.payload);
    if (!reply) {
      continue;
    }
    reply->latency = Clock::now() - impl_->sent;
    impl_->answered.insert(reply->instance);
    return reply;
  }
}

std::vector<PresentResponder> PendingRequest::silent() const {
  std::vector<PresentResponder> silent;
  std::copy_if(impl_->present.begin(), impl_->present.end(), std::back_inserter(silent),
               [this](const PresentResponder& r) { return !impl_->answered.contains(r.instance); });
  return silent;
}

void PendingRequest::close() noexcept {
  impl_->replies.close();
}

struct Requester::Impl {
  Link& link;
  RequesterOptions options;
  int wake_fd = -1;

  void refuse_plain_in_cluster() const {
    if (!options.sharded && link.topology() == Topology::cluster) {
      throw Error(ErrorKind::usage, "a request in a Redis Cluster must be sharded (--sharded): a plain PUBLISH "
                                    "counts only the receivers on the node that takes it");
    }
  }
};

Requester::Requester(Link& link, RequesterOptions options)
    : impl_(std::make_unique<Impl>(Impl{link, std::move(options), -1})) {
  impl_->refuse_plain_in_cluster();
}
Requester::Requester(Requester&&) noexcept = default;
Requester& Requester::operator=(Requester&&) noexcept = default;
Requester::~Requester() = default;

void Requester::set_wake_fd(int fd) noexcept {
  impl_->wake_fd = fd;
}

PendingRequest Requester::send(std::string_view channel, std::string_view payload) {
  impl_->refuse_plain_in_cluster();
  Link& link = impl_->link;
  const std::string id = detail::random_id();
  const std::string reply_to = detail::reply_channel(impl_->options.key_prefix, channel, id);

  SubscriberOptions subscriber;
  subscriber.endpoint = link.endpoint();
  subscriber.client_name = link.options().client_name;
  subscriber.mode = impl_->options.sharded ? SubscriptionMode::sharded : SubscriptionMode::channels;
  subscriber.names = {reply_to};
  // A lost reply connection loses the replies on their way: an error, not
  // something to wait out.
  subscriber.reconnect.enabled = false;
  auto pending =
      std::make_unique<PendingRequest::Impl>(PendingRequest::Impl{id, 0, {}, {}, Subscriber(subscriber), {}});
  pending->replies.set_wake_fd(impl_->wake_fd);

  const std::string key = detail::presence_key(impl_->options.key_prefix, channel);
  const std::string envelope = detail::encode_request(id, reply_to, payload);
  const std::array<std::string_view, 4> keys_and_args = {key, impl_->options.sharded ? "SPUBLISH" : "PUBLISH", channel,
                                                         envelope};
  pending->sent = Clock::now();
  const Reply reply = detail::request_publish_script().run(link, key, keys_and_args);
  if (reply.is_error()) {
    throw Error(reply,
                fmt::format("cannot publish the request to '{}' at {}", detail::printable(channel), link.where()));
  }
  if (reply.type != Reply::Type::array || reply.elements.size() != 2 ||
      reply.elements[0].type != Reply::Type::integer || reply.elements[1].type != Reply::Type::array) {
    throw Error(ErrorKind::protocol,
                fmt::format("unexpected reply to the request script from {}: {}", link.where(), reply.describe()));
  }
  pending->receivers = reply.elements[0].integer;
  for (const Reply& member : reply.elements[1].elements) {
    pending->present.push_back(detail::parse_presence_member(member.str));
  }
  return PendingRequest(std::move(pending));
}

} // namespace statesync
