// The subscriber: the connections of a link kept subscribed, subscribed
// again whenever the link reconnects.

#include "connection/first_connection.hpp"
#include "events/connection_watch.hpp"
#include "events/recover_by.hpp"
#include "protocol/lua_scripts.hpp"
#include "pubsub/subscriber_protocol.hpp"
#include "pubsub/version_pairing.hpp"
#include "watch/glob.hpp"

#include "topology/failover.hpp"
#include <statesync/cluster.hpp>
#include <statesync/error.hpp>
#include <statesync/retained.hpp>
#include <statesync/subscriber.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <deque>

namespace statesync {

using detail::PushKind;

namespace {

SubscriberEvent message_event(Message message) {
  SubscriberEvent event;
  event.message = std::move(message);
  return event;
}

void validate(const SubscriberOptions& options) {
  if (options.names.empty()) {
    throw Error(ErrorKind::usage, "nothing to subscribe to");
  }
  if (options.retained && options.mode == SubscriptionMode::sharded) {
    // Redis refuses SSUBSCRIBE inside MULTI: the state could not be read
    // in the same instant as subscribing.
    throw Error(ErrorKind::usage, "retained state cannot be read exactly with sharded subscriptions");
  }
  if (options.retained && options.endpoint.topology == Topology::cluster) {
    // The states are read in the transaction that subscribes: on one node,
    // the owner of their keys' slot.
    if (options.mode == SubscriptionMode::patterns) {
      throw Error(ErrorKind::usage, "retained state of patterns cannot be read in a cluster (keys on every node)");
    }
    const int slot = key_slot(retained_state_key(options.key_prefix, options.names.front()));
    for (const auto& name : options.names) {
      if (key_slot(retained_state_key(options.key_prefix, name)) != slot) {
        throw Error(ErrorKind::usage, "in a cluster, retained state is read for channels whose state keys share a "
                                      "slot: give them one {hash tag}");
      }
    }
  }
}

// One subscribed connection of the link and its names.
struct Subscription {
  Connection* connection;
  std::vector<std::string> names;
};

} // namespace

struct Subscriber::Impl {
  SubscriberOptions options;
  Link link;
  std::vector<Subscription> subscriptions; // empty while disconnected
  // The subscribed connections, numbered as `subscriptions`, each with
  // its own keepalive: traffic on one node of a cluster says nothing of
  // another.
  detail::ConnectionWatch events;
  std::deque<SubscriberEvent> pending;
  std::optional<detail::VersionPairing> versions; // with `retained`
  // statesync's own channels (the versions of retained publishes): never
  // the user's through a pattern, whatever the pattern; named exactly, a
  // channel is delivered as asked.
  std::string internal_prefix;
  std::optional<Error> lost; // while disconnected: why
  // After a node ended a sharded subscription (its slot moved): the other
  // nodes may not know the new owner yet, so the slot map is read again
  // only after the first backoff.
  std::optional<Clock::time_point> settle_until;

  explicit Impl(SubscriberOptions o)
      : options(std::move(o)), link(LinkOptions{options.endpoint, options.client_name, options.reconnect}),
        events(options.keepalive), internal_prefix(retained_version_channel(options.key_prefix, "")) {
    if (options.retained) {
      versions.emplace(options.key_prefix, options.mode);
    }
    // Subscribed again as part of reconnecting: the link tries again, after
    // its backoff, when the new connections cannot be subscribed yet.
    link.on_reconnect([this] { subscribe_everywhere(); });
  }

  // The link's connection for each name: the one server (the master the
  // Sentinels name), any node of a cluster (every node forwards PUBLISH
  // to every other), or in a cluster the owner of a sharded channel's
  // slot or of the slot of the retained states read with it.
  std::vector<Subscription> placements() {
    const bool routed =
        link.topology() == Topology::cluster && (options.mode == SubscriptionMode::sharded || options.retained);
    std::vector<Subscription> result;
    for (const auto& name : options.names) {
      const std::string key = !routed            ? std::string()
                              : options.retained ? retained_state_key(options.key_prefix, name)
                                                 : name;
      Connection* at = &link.connection(key);
      auto placement =
          std::find_if(result.begin(), result.end(), [&](const Subscription& s) { return s.connection == at; });
      if (placement == result.end()) {
        result.push_back({at, {}});
        placement = result.end() - 1;
      }
      placement->names.push_back(name);
    }
    return result;
  }

  void connect_and_subscribe() {
    try {
      subscribe_everywhere();
    } catch (const Error& error) {
      if (link.topology() != Topology::standalone || !is_cluster_redirection(error)) {
        throw;
      }
      // A cluster node that does not own a sharded channel's slot (or a
      // state key's): the server is a cluster, routed from now on as if
      // it had been named one.
      options.endpoint.topology = Topology::cluster;
      validate(options);
      drop_subscriptions();
      if (!link.recover(error)) { // subscribes (on_reconnect)
        throw Error(ErrorKind::unavailable, fmt::format("subscribing at {} was interrupted", link.where()));
      }
    }
  }

  void subscribe_everywhere() {
    std::vector<Subscription> fresh = placements();
    for (Subscription& subscription : fresh) {
      if (options.retained) {
        subscribe_with_state(*subscription.connection, subscription.names);
      } else {
        subscribe(*subscription.connection, subscription.names);
      }
    }
    drop_subscriptions();
    subscriptions = std::move(fresh);
    for (const Subscription& subscription : subscriptions) {
      events.add(*subscription.connection);
    }
    link.progress();
  }

  std::string where() const {
    std::string result;
    for (const auto& subscription : subscriptions) {
      result += (result.empty() ? "" : ", ") + subscription.connection->where();
    }
    return result;
  }

  void subscribe(Connection& c, const std::vector<std::string>& names) {
    const std::string_view command = detail::subscribe_command(options.mode);
    std::vector<std::string_view> args;
    if (options.mode == SubscriptionMode::sharded) {
      // One per channel: a single SSUBSCRIBE must name channels of one slot.
      for (const auto& name : names) {
        c.append({command, name});
      }
    } else {
      args.push_back(command);
      args.insert(args.end(), names.begin(), names.end());
      c.append(args);
    }
    c.flush();
    for (std::size_t confirmed = 0; confirmed < names.size();) {
      Reply reply = c.read_reply();
      if (reply.type == Reply::Type::array && !reply.elements.empty() && reply.elements[0].str.ends_with("message")) {
        // Pipelined subscriptions may be answered with messages for the
        // channels subscribed first before the last one is confirmed.
        Message message;
        detail::read_push(reply, message);
        if (for_the_user(message)) {
          pending.push_back(message_event(std::move(message)));
        }
        continue;
      }
      detail::expect_confirmation(reply, names[confirmed]);
      ++confirmed;
    }
  }

  // MULTI, the retained states, one SUBSCRIBE per channel and one per its
  // version channel (version_pairing.hpp), EXEC: the states are read in the
  // instant the subscriptions start, so every later publish arrives as a
  // message and no earlier one does. (A multi-channel SUBSCRIBE in a
  // transaction answers with more replies than EXEC announces, hence one
  // per channel.) A channel's state is an HMGET; a pattern's states are
  // what the retained_matching script finds in the index.
  void subscribe_with_state(Connection& c, const std::vector<std::string>& names) {
    const std::size_t n = names.size();
    const bool patterns = options.mode == SubscriptionMode::patterns;
    const std::string key_prefix = retained_state_key(options.key_prefix, "");
    const std::string index = retained_index_key(options.key_prefix);
    std::vector<std::string> keys;
    keys.reserve(n);
    c.append({"MULTI"});
    for (const auto& name : names) {
      keys.push_back(retained_state_key(options.key_prefix, name));
      if (patterns) {
        c.append({"EVAL", detail::lua::retained_matching, "1", index, key_prefix, name, retained_payload_field,
                  retained_version_field});
      } else {
        c.append({"HMGET", keys.back(), retained_payload_field, retained_version_field});
      }
    }
    std::vector<std::string> subscribed_names = names;
    for (const auto& name : names) {
      subscribed_names.push_back(versions->companion(name));
    }
    const std::string_view subscribe = detail::subscribe_command(options.mode);
    for (const auto& name : subscribed_names) {
      c.append({subscribe, name});
    }
    c.append({"EXEC"});
    c.flush();
    expect_ok(c.read_reply(), "MULTI");
    for (std::size_t i = 0; i < 3 * n; ++i) {
      const Reply queued = c.read_reply();
      if (queued.is_error()) {
        throw Error(queued, fmt::format("cannot {} '{}'", i < n ? "read the retained state of" : "subscribe to",
                                        i < n ? names[i] : subscribed_names[i - n]));
      }
    }
    const Reply results = expect_ok(c.read_reply(), "EXEC");
    if (results.type != Reply::Type::array || results.elements.size() != 3 * n) {
      throw Error(ErrorKind::protocol, fmt::format("unexpected reply to EXEC: {}", results.describe()));
    }
    for (std::size_t i = 0; i < 2 * n; ++i) {
      detail::expect_confirmation(results.elements[n + i], subscribed_names[i]);
    }
    versions->reset();
    for (std::size_t i = 0; i < n; ++i) {
      if (patterns) {
        for (auto& state : detail::retained_states_matching(results.elements[i], names[i])) {
          pending.push_back(message_event(std::move(state)));
        }
      } else if (auto state = detail::retained_state(results.elements[i], names[i], keys[i])) {
        pending.push_back(message_event(std::move(*state)));
      }
    }
  }

  void drop_subscriptions() noexcept {
    events.clear();
    subscriptions.clear();
  }

  SubscriberEvent lose(const Error& error) {
    drop_subscriptions();
    if (!options.reconnect.enabled) {
      link.reset();
      throw error;
    }
    lost = error;
    SubscriberEvent event;
    event.type = SubscriberEvent::Type::connection_lost;
    event.detail = error.what();
    return event;
  }

  // Has the link reconnect (and subscribe again) until `deadline`; true
  // once subscribed (the "reconnected" event and any retained states are
  // then pending).
  bool reconnect(std::optional<Clock::time_point> deadline) {
    if (settle_until) {
      if (!link.pause_until(deadline ? std::min(*settle_until, *deadline) : *settle_until) ||
          Clock::now() < *settle_until) {
        return false;
      }
      settle_until.reset();
    }
    if (!detail::recover_by(link, *lost, deadline)) {
      return false;
    }
    lost.reset();
    SubscriberEvent event;
    event.type = SubscriberEvent::Type::reconnected;
    event.detail = where();
    pending.push_front(std::move(event));
    return true;
  }

  std::optional<SubscriberEvent> next(std::optional<Clock::time_point> deadline) {
    for (;;) {
      if (auto event = take_pending()) {
        return event;
      }
      if (lost) {
        if (!reconnect(deadline)) {
          return std::nullopt;
        }
        continue;
      }
      try {
        auto received = events.next(deadline, link.wake_fd());
        if (!received) {
          return std::nullopt;
        }
        if (auto event = take(received->reply, subscriptions[received->from])) {
          return event;
        }
      } catch (const Error& error) {
        if (error.kind() != ErrorKind::unavailable) {
          throw;
        }
        return lose(error);
      }
    }
  }

  // A message on a channel the caller filters out (SubscriberOptions::filter_out).
  bool filtered_out(const SubscriberEvent& event) const {
    return event.type == SubscriberEvent::Type::message &&
           std::any_of(options.filter_out.begin(), options.filter_out.end(),
                       [&](const std::string& pattern) { return detail::glob_match(pattern, event.message.channel); });
  }

  std::optional<SubscriberEvent> take_pending() {
    if (pending.empty()) {
      return std::nullopt;
    }
    SubscriberEvent event = std::move(pending.front());
    pending.pop_front();
    return event;
  }

  std::optional<SubscriberEvent> poll() {
    if (auto event = take_pending()) {
      return event;
    }
    while (auto received = events.buffered()) {
      if (auto event = take(received->reply, subscriptions[received->from])) {
        return event;
      }
      if (subscriptions.empty()) {
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  // False for a version kept for the message after it, and for an internal
  // channel that matched a pattern.
  bool for_the_user(Message& message) {
    if (versions && versions->absorb(message)) {
      return false;
    }
    return options.mode != SubscriptionMode::patterns || !message.channel.starts_with(internal_prefix);
  }

  // The event a reply on `subscription` makes, if any.
  std::optional<SubscriberEvent> take(Reply& reply, const Subscription& subscription) {
    Message message;
    switch (detail::read_push(reply, message)) {
    case PushKind::message:
      if (!for_the_user(message)) {
        return std::nullopt;
      }
      return message_event(std::move(message));
    case PushKind::pong: // a keepalive's, taken by the ConnectionWatch
      return std::nullopt;
    case PushKind::subscribed:
      return std::nullopt;
    case PushKind::dropped:
      break;
    }
    // Reconnecting subscribes again, wherever the channel now lives.
    settle_until = Clock::now() + options.reconnect.first_delay;
    return lose(
        Error(ErrorKind::unavailable,
              fmt::format("{} ended the subscription to '{}' (its slot moved)", subscription.connection->where(),
                          reply.elements.size() > 1 ? reply.elements[1].str : std::string())));
  }

  void close() noexcept {
    for (auto& subscription : subscriptions) {
      try {
        subscription.connection->append({detail::unsubscribe_command(options.mode)});
        subscription.connection->flush();
      } catch (...) {
        // Closing the socket unsubscribes too.
      }
    }
    drop_subscriptions();
    link.reset();
  }
};

Subscriber::Subscriber(SubscriberOptions options) {
  validate(options);
  impl_ = std::make_unique<Impl>(std::move(options));
  try {
    impl_->connect_and_subscribe();
  } catch (const Error& error) {
    if (!detail::first_connection_waits(impl_->options.reconnect, error)) {
      throw;
    }
    // A server not up yet, given time to come: tried again as a lost
    // connection is, the caller told that it was never connected.
    auto not_connected = impl_->lose(error);
    not_connected.type = SubscriberEvent::Type::not_connected;
    impl_->pending.push_back(std::move(not_connected));
  }
}

Subscriber::Subscriber(Subscriber&&) noexcept = default;
Subscriber& Subscriber::operator=(Subscriber&&) noexcept = default;
Subscriber::~Subscriber() = default;

std::optional<SubscriberEvent> Subscriber::next(std::optional<Clock::time_point> deadline) {
  for (;;) {
    auto event = impl_->next(deadline);
    if (!event || !impl_->filtered_out(*event)) {
      return event;
    }
  }
}

std::optional<SubscriberEvent> Subscriber::poll() {
  for (;;) {
    auto event = impl_->poll();
    if (!event || !impl_->filtered_out(*event)) {
      return event;
    }
  }
}

void Subscriber::set_wake_fd(int fd) noexcept {
  impl_->link.set_wake_fd(fd);
}

void Subscriber::close() noexcept {
  impl_->close();
}

} // namespace statesync
