// The subscriber: one connection kept subscribed, reconnected when lost.

#include "deadline.hpp"
#include "lua_scripts.hpp"
#include "reconnect_backoff.hpp"
#include "subscriber_protocol.hpp"

#include <statesync/error.hpp>
#include <statesync/subscriber.hpp>

#include <fmt/format.h>

#include <deque>
#include <random>

namespace statesync {

using detail::PushKind;

namespace {

std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a, std::optional<Clock::time_point> b) {
  if (!a) {
    return b;
  }
  if (!b) {
    return a;
  }
  return std::min(*a, *b);
}

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
}

} // namespace

struct Subscriber::Impl {
  SubscriberOptions options;
  std::optional<Connection> connection;
  int wake_fd = -1;
  std::deque<SubscriberEvent> pending;

  // Keepalive: when traffic was last seen, and when an unanswered PING
  // must have been answered.
  Clock::time_point last_traffic;
  std::optional<Clock::time_point> pong_due;

  // While disconnected.
  detail::Backoff backoff;
  Clock::time_point lost_at;
  Clock::time_point next_attempt;
  std::string last_error;

  explicit Impl(SubscriberOptions o)
      : options(std::move(o)),
        backoff(options.reconnect.first_delay, options.reconnect.max_delay, std::random_device{}()) {}

  void connect_and_subscribe() {
    Connection fresh = Connection::open(options.endpoint, options.client_name);
    fresh.set_wake_fd(wake_fd);
    if (options.retained) {
      subscribe_with_state(fresh);
    } else {
      subscribe(fresh);
    }
    connection.emplace(std::move(fresh));
    last_traffic = Clock::now();
    pong_due.reset();
  }

  void subscribe(Connection& c) {
    const std::string_view command = detail::subscribe_command(options.mode);
    std::vector<std::string_view> args;
    if (options.mode == SubscriptionMode::sharded) {
      // One per channel: a single SSUBSCRIBE must name channels of one slot.
      for (const auto& name : options.names) {
        c.append({command, name});
      }
    } else {
      args.push_back(command);
      args.insert(args.end(), options.names.begin(), options.names.end());
      c.append(args);
    }
    c.flush();
    for (std::size_t confirmed = 0; confirmed < options.names.size();) {
      Reply reply = c.read_reply();
      if (reply.type == Reply::Type::array && !reply.elements.empty() && reply.elements[0].str.ends_with("message")) {
        // Pipelined subscriptions may be answered with messages for the
        // channels subscribed first before the last one is confirmed.
        Message message;
        detail::read_push(reply, message);
        pending.push_back(message_event(std::move(message)));
        continue;
      }
      detail::expect_confirmation(reply, options.names[confirmed]);
      ++confirmed;
    }
  }

  // MULTI, the retained states, one SUBSCRIBE per channel, EXEC: the
  // states are read in the instant the subscriptions start, so every later
  // publish arrives as a message and no earlier one does. (A multi-channel
  // SUBSCRIBE in a transaction answers with more replies than EXEC
  // announces, hence one per channel.) A channel's state is an HMGET; a
  // pattern's states are what the retained_matching script finds.
  void subscribe_with_state(Connection& c) {
    const std::size_t n = options.names.size();
    const bool patterns = options.mode == SubscriptionMode::patterns;
    const std::string key_prefix = retained_state_key(options.key_prefix, "");
    const std::string key_glob = detail::glob_escape(key_prefix);
    std::vector<std::string> keys;
    keys.reserve(n);
    c.append({"MULTI"});
    for (const auto& name : options.names) {
      keys.push_back(retained_state_key(options.key_prefix, name));
      if (patterns) {
        c.append({"EVAL", detail::lua::retained_matching, "0", key_prefix, key_glob, name, retained_payload_field,
                  retained_version_field});
      } else {
        c.append({"HMGET", keys.back(), retained_payload_field, retained_version_field});
      }
    }
    const std::string_view subscribe = detail::subscribe_command(options.mode);
    for (const auto& name : options.names) {
      c.append({subscribe, name});
    }
    c.append({"EXEC"});
    c.flush();
    expect_ok(c.read_reply(), "MULTI");
    for (std::size_t i = 0; i < 2 * n; ++i) {
      const Reply queued = c.read_reply();
      if (queued.is_error()) {
        throw Error(classify_server_error(queued.str),
                    fmt::format("cannot {} '{}': {}", i < n ? "read the retained state of" : "subscribe to",
                                options.names[i % n], queued.str));
      }
    }
    const Reply results = expect_ok(c.read_reply(), "EXEC");
    if (results.type != Reply::Type::array || results.elements.size() != 2 * n) {
      throw Error(ErrorKind::protocol, fmt::format("unexpected reply to EXEC: {}", results.describe()));
    }
    for (std::size_t i = 0; i < n; ++i) {
      detail::expect_confirmation(results.elements[n + i], options.names[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (patterns) {
        for (auto& state : detail::retained_states_matching(results.elements[i], options.names[i])) {
          pending.push_back(message_event(std::move(state)));
        }
      } else if (auto state = detail::retained_state(results.elements[i], options.names[i], keys[i])) {
        pending.push_back(message_event(std::move(*state)));
      }
    }
  }

  std::optional<Clock::time_point> keepalive_point() const {
    if (!options.keepalive) {
      return std::nullopt;
    }
    return pong_due ? *pong_due : last_traffic + *options.keepalive;
  }

  // After a wait ended without a reply: sends the keepalive PING when it
  // is due (true: wait again), throws when one went unanswered.
  bool keep_alive() {
    if (!options.keepalive) {
      return false;
    }
    const auto now = Clock::now();
    if (pong_due) {
      if (now >= *pong_due) {
        throw Error(ErrorKind::unavailable,
                    fmt::format("no answer to a keepalive PING from {} within {}", options.endpoint.where(),
                                detail::seconds_text(options.endpoint.reply_timeout)));
      }
      return false;
    }
    if (now < last_traffic + *options.keepalive) {
      return false;
    }
    connection->append({"PING"});
    connection->flush();
    pong_due = now + options.endpoint.reply_timeout;
    return true;
  }

  SubscriberEvent lose(const Error& error) {
    connection.reset();
    if (!options.reconnect.enabled) {
      throw error;
    }
    last_error = error.what();
    lost_at = Clock::now();
    backoff.reset();
    next_attempt = lost_at + backoff.next();
    SubscriberEvent event;
    event.type = SubscriberEvent::Type::connection_lost;
    event.detail = last_error;
    return event;
  }

  // Tries to reconnect until `deadline`; true once connected again (the
  // "reconnected" event and any retained states are then pending).
  bool reconnect(std::optional<Clock::time_point> deadline) {
    std::optional<Clock::time_point> give_up;
    if (options.reconnect.give_up_after) {
      give_up = lost_at + *options.reconnect.give_up_after;
    }
    for (;;) {
      const auto now = Clock::now();
      if (give_up && now >= *give_up) {
        throw Error(ErrorKind::unavailable, fmt::format("{}; not back within {}", last_error,
                                                        detail::seconds_text(*options.reconnect.give_up_after)));
      }
      if (deadline && now >= *deadline) {
        return false;
      }
      if (now < next_attempt) {
        // No socket to watch: only the wake fd (or a signal) ends it early.
        const auto until = earliest(earliest(next_attempt, deadline), give_up);
        if (detail::wait_fd(-1, 0, until, wake_fd) == detail::Readiness::interrupted && Clock::now() < *until) {
          return false;
        }
        continue;
      }
      try {
        connect_and_subscribe();
      } catch (const Error& error) {
        if (error.kind() != ErrorKind::unavailable) {
          throw;
        }
        last_error = error.what();
        next_attempt = Clock::now() + backoff.next();
        continue;
      }
      SubscriberEvent event;
      event.type = SubscriberEvent::Type::reconnected;
      event.detail = options.endpoint.where();
      pending.push_front(std::move(event));
      return true;
    }
  }

  std::optional<SubscriberEvent> next(std::optional<Clock::time_point> deadline) {
    for (;;) {
      if (auto event = take_pending()) {
        return event;
      }
      if (!connection) {
        if (!reconnect(deadline)) {
          return std::nullopt;
        }
        continue;
      }
      try {
        std::optional<Reply> reply = connection->read_reply_until(earliest(deadline, keepalive_point()));
        if (!reply) {
          if (keep_alive()) {
            continue;
          }
          return std::nullopt;
        }
        if (auto event = take(*reply)) {
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
    if (!connection) {
      return std::nullopt;
    }
    while (std::optional<Reply> reply = connection->buffered_reply()) {
      if (auto event = take(*reply)) {
        return event;
      }
    }
    return std::nullopt;
  }

  // The event a reply makes, if any.
  std::optional<SubscriberEvent> take(Reply& reply) {
    if (options.keepalive) {
      last_traffic = Clock::now();
    }
    Message message;
    switch (detail::read_push(reply, message)) {
    case PushKind::message:
      return message_event(std::move(message));
    case PushKind::pong:
      pong_due.reset();
      return std::nullopt;
    case PushKind::subscribed:
      return std::nullopt;
    case PushKind::dropped:
      break;
    }
    // Reconnecting subscribes again, wherever the channel now lives.
    return lose(
        Error(ErrorKind::unavailable, fmt::format("{} ended the subscription to '{}'", options.endpoint.where(),
                                                  reply.elements.size() > 1 ? reply.elements[1].str : std::string())));
  }

  void close() noexcept {
    if (!connection) {
      return;
    }
    try {
      connection->append({detail::unsubscribe_command(options.mode)});
      connection->flush();
    } catch (...) {
      // Closing the socket unsubscribes too.
    }
    connection.reset();
  }
};

Subscriber::Subscriber(SubscriberOptions options) {
  validate(options);
  impl_ = std::make_unique<Impl>(std::move(options));
  impl_->connect_and_subscribe();
}

Subscriber::Subscriber(Subscriber&&) noexcept = default;
Subscriber& Subscriber::operator=(Subscriber&&) noexcept = default;
Subscriber::~Subscriber() = default;

std::optional<SubscriberEvent> Subscriber::next(std::optional<Clock::time_point> deadline) {
  return impl_->next(deadline);
}

std::optional<SubscriberEvent> Subscriber::poll() {
  return impl_->poll();
}

void Subscriber::set_wake_fd(int fd) noexcept {
  impl_->wake_fd = fd;
  if (impl_->connection) {
    impl_->connection->set_wake_fd(fd);
  }
}

void Subscriber::close() noexcept {
  impl_->close();
}

} // namespace statesync
