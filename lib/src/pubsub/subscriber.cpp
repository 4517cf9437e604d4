// The subscriber: one connection kept subscribed, reconnected when lost.

#include "connection/reconnect_backoff.hpp"
#include "protocol/lua_scripts.hpp"
#include "pubsub/subscriber_protocol.hpp"
#include "pubsub/version_pairing.hpp"
#include "util/deadline.hpp"

#include <statesync/cluster.hpp>
#include <statesync/error.hpp>
#include <statesync/failover.hpp>
#include <statesync/subscriber.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <deque>
#include <poll.h>
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

// What connections a subscription takes: one server and every name, but
// in a cluster one per slot owner for sharded channels.
struct Placement {
  Endpoint endpoint;
  std::vector<std::string> names;
};

} // namespace

struct Subscriber::Impl {
  SubscriberOptions options;
  std::vector<Connection> connections; // empty while disconnected
  std::size_t next_to_read = 0;        // round robin over several
  std::vector<Endpoint> cluster_nodes; // last known, to ask for the slot map
  std::size_t failed_attempts = 0;     // plain cluster subscriptions: try the next node
  int wake_fd = -1;
  std::deque<SubscriberEvent> pending;
  std::optional<detail::VersionPairing> versions; // with `retained`

  // Keepalive: when traffic was last seen, and when an unanswered PING
  // must have been answered.
  Clock::time_point last_traffic;
  std::optional<Clock::time_point> pong_due;
  std::size_t pongs_awaited = 0;

  // While disconnected.
  detail::Backoff backoff;
  Clock::time_point lost_at;
  Clock::time_point next_attempt;
  std::string last_error;

  explicit Impl(SubscriberOptions o)
      : options(std::move(o)),
        backoff(options.reconnect.first_delay, options.reconnect.max_delay, std::random_device{}()) {
    if (options.retained) {
      versions.emplace(options.key_prefix, options.mode);
    }
  }

  std::vector<Placement> placements() {
    if (options.endpoint.topology != Topology::cluster) {
      return {{options.endpoint, options.names}};
    }
    Endpoint seed = options.endpoint;
    seed.topology = Topology::standalone;
    // The seed first, then the nodes last seen, in case the seed is down.
    std::vector<Endpoint> seeds{seed};
    seeds.insert(seeds.end(), cluster_nodes.begin(), cluster_nodes.end());
    if (options.mode != SubscriptionMode::sharded && !options.retained) {
      // Every node forwards PUBLISH to every other: any node will do, the
      // next one after a failed attempt.
      return {{seeds[failed_attempts % seeds.size()], options.names}};
    }
    const SlotMap map = read_slot_map(seeds, options.client_name);
    cluster_nodes = map.nodes();
    std::vector<Placement> result;
    for (const auto& name : options.names) {
      const std::string key = options.retained ? retained_state_key(options.key_prefix, name) : name;
      const auto owner = map.owner(key_slot(key));
      if (!owner) {
        throw Error(ErrorKind::unavailable, fmt::format("no cluster node serves slot {} of '{}'", key_slot(key), name));
      }
      const Endpoint& node = map.nodes()[*owner];
      auto placement = std::find_if(result.begin(), result.end(),
                                    [&](const Placement& p) { return p.endpoint.where() == node.where(); });
      if (placement == result.end()) {
        result.push_back({node, {}});
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
      if (options.endpoint.topology != Topology::standalone || !is_cluster_redirection(error)) {
        throw;
      }
      // A cluster node that does not own a sharded channel's slot (or a
      // state key's): the server is a cluster, routed from now on as if
      // it had been named one.
      options.endpoint.topology = Topology::cluster;
      validate(options);
      subscribe_everywhere();
    }
  }

  void subscribe_everywhere() {
    if (options.endpoint.topology == Topology::cluster && cluster_nodes.empty()) {
      learn_cluster_nodes();
    }
    std::vector<Connection> fresh;
    for (const Placement& placement : placements()) {
      Connection c = Connection::open(placement.endpoint, options.client_name);
      c.set_wake_fd(wake_fd);
      if (options.retained) {
        subscribe_with_state(c, placement.names);
      } else {
        subscribe(c, placement.names);
      }
      fresh.push_back(std::move(c));
    }
    connections = std::move(fresh);
    last_traffic = Clock::now();
    pong_due.reset();
  }

  // The nodes to fall back on if the seed goes: read once, at the start.
  void learn_cluster_nodes() {
    Endpoint seed = options.endpoint;
    seed.topology = Topology::standalone;
    cluster_nodes = read_slot_map({seed}, options.client_name).nodes();
  }

  std::string where() const {
    std::string result;
    for (const auto& c : connections) {
      result += (result.empty() ? "" : ", ") + c.where();
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
        pending.push_back(message_event(std::move(message)));
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
    std::vector<std::string> subscriptions = names;
    for (const auto& name : names) {
      subscriptions.push_back(versions->companion(name));
    }
    const std::string_view subscribe = detail::subscribe_command(options.mode);
    for (const auto& name : subscriptions) {
      c.append({subscribe, name});
    }
    c.append({"EXEC"});
    c.flush();
    expect_ok(c.read_reply(), "MULTI");
    for (std::size_t i = 0; i < 3 * n; ++i) {
      const Reply queued = c.read_reply();
      if (queued.is_error()) {
        throw Error(queued, fmt::format("cannot {} '{}'", i < n ? "read the retained state of" : "subscribe to",
                                        i < n ? names[i] : subscriptions[i - n]));
      }
    }
    const Reply results = expect_ok(c.read_reply(), "EXEC");
    if (results.type != Reply::Type::array || results.elements.size() != 3 * n) {
      throw Error(ErrorKind::protocol, fmt::format("unexpected reply to EXEC: {}", results.describe()));
    }
    for (std::size_t i = 0; i < 2 * n; ++i) {
      detail::expect_confirmation(results.elements[n + i], subscriptions[i]);
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
    for (auto& c : connections) {
      c.append({"PING"});
      c.flush();
    }
    pongs_awaited = connections.size();
    pong_due = now + options.endpoint.reply_timeout;
    return true;
  }

  SubscriberEvent lose(const Error& error) {
    connections.clear();
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
        ++failed_attempts;
        continue;
      }
      SubscriberEvent event;
      event.type = SubscriberEvent::Type::reconnected;
      event.detail = where();
      pending.push_front(std::move(event));
      return true;
    }
  }

  std::optional<SubscriberEvent> next(std::optional<Clock::time_point> deadline) {
    for (;;) {
      if (auto event = take_pending()) {
        return event;
      }
      if (connections.empty()) {
        if (!reconnect(deadline)) {
          return std::nullopt;
        }
        continue;
      }
      try {
        std::optional<Reply> reply = read_any(earliest(deadline, keepalive_point()));
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
    for (std::size_t i = 0; i < connections.size(); ++i) {
      while (std::optional<Reply> reply = connections[i].buffered_reply()) {
        if (auto event = take(*reply)) {
          return event;
        }
        if (connections.empty()) {
          break;
        }
      }
    }
    return std::nullopt;
  }

  // The next reply on any connection, waiting until `deadline`; nothing
  // when it passes or the wait is interrupted.
  std::optional<Reply> read_any(std::optional<Clock::time_point> deadline) {
    if (connections.size() == 1) {
      return connections.front().read_reply_until(deadline);
    }
    std::vector<pollfd> fds;
    for (;;) {
      // Without waiting first: a reply may be decoded or buffered already
      // (TLS keeps decrypted bytes the socket no longer shows).
      for (std::size_t n = 0; n < connections.size(); ++n) {
        Connection& c = connections[next_to_read];
        next_to_read = (next_to_read + 1) % connections.size();
        if (auto reply = c.read_reply_until(Clock::now())) {
          return reply;
        }
      }
      fds.clear();
      for (const auto& c : connections) {
        fds.push_back({c.fd(), POLLIN, 0});
      }
      fds.push_back({wake_fd, POLLIN, 0});
      int timeout = -1;
      if (deadline) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now()).count();
        if (left <= 0) {
          return std::nullopt;
        }
        timeout = static_cast<int>(std::min<long long>(left, 1 << 30));
      }
      const int ready = ::poll(fds.data(), fds.size(), timeout);
      if ((ready < 0 && errno == EINTR) || (wake_fd >= 0 && fds.back().revents != 0)) {
        return std::nullopt;
      }
    }
  }

  // The event a reply makes, if any.
  std::optional<SubscriberEvent> take(Reply& reply) {
    if (options.keepalive) {
      last_traffic = Clock::now();
    }
    Message message;
    switch (detail::read_push(reply, message)) {
    case PushKind::message:
      if (versions && versions->absorb(message)) {
        return std::nullopt;
      }
      return message_event(std::move(message));
    case PushKind::pong:
      if (pongs_awaited > 0 && --pongs_awaited == 0) {
        pong_due.reset();
      }
      return std::nullopt;
    case PushKind::subscribed:
      return std::nullopt;
    case PushKind::dropped:
      break;
    }
    // Reconnecting subscribes again, wherever the channel now lives.
    return lose(
        Error(ErrorKind::unavailable, fmt::format("{} ended the subscription to '{}' (its slot moved)", where(),
                                                  reply.elements.size() > 1 ? reply.elements[1].str : std::string())));
  }

  void close() noexcept {
    for (auto& c : connections) {
      try {
        c.append({detail::unsubscribe_command(options.mode)});
        c.flush();
      } catch (...) {
        // Closing the socket unsubscribes too.
      }
    }
    connections.clear();
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
  for (auto& c : impl_->connections) {
    c.set_wake_fd(fd);
  }
}

void Subscriber::close() noexcept {
  impl_->close();
}

} // namespace statesync
