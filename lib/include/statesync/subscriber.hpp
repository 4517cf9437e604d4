#pragma once
// A subscriber: subscribes to channels, patterns or sharded channels and
// hands out what arrives through a pull interface, next(deadline). It is
// built on a Link of its own (link.hpp) and subscribes on its connections:
// the one server, the master the Sentinels name, any node of a cluster, or
// each slot owner for sharded channels. When a connection is lost, or a
// failover or a moved slot ends a subscription, the link reconnects with
// exponential backoff and jitter (the options' ReconnectPolicy) and the
// subscriber subscribes again, telling the caller through "lost" and
// "back" events (the library never prints).
//
// Keepalive is per connection: each subscribed connection that has been
// silent for the keepalive time gets its PING, so traffic on one cluster
// node does not hide that another stopped answering.
//
// Threads: one thread at a time (no locking inside); the wake fd is how
// another thread (or a signal handler) ends a wait in next().
//
// With `retained`, it first delivers the retained state of each channel
// (see retained.hpp), read in the same MULTI/EXEC that subscribes, so that
// no live message is missed or repeated between the state and the stream.
// For a pattern, that read goes through the index of retained channels: its
// cost grows with the retained channels that start with the pattern's
// literal prefix, not with the database. Live retained updates carry their
// version too: the subscriber also subscribes to each channel's version
// channel (<prefix>version:<channel>, which a user's channel ACL must
// allow) and pairs the version with the message that follows it.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/retained.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace statesync {

// What SubscriberOptions::names are.
enum class SubscriptionMode {
  channels, // SUBSCRIBE
  patterns, // PSUBSCRIBE: glob patterns
  sharded,  // SSUBSCRIBE
};

// What a Subscriber follows, and where.
struct STATESYNC_API SubscriberOptions {
  Endpoint endpoint;                                  // where the channels are
  std::string client_name;                            // CLIENT SETNAME on each connection
  SubscriptionMode mode = SubscriptionMode::channels; // what `names` are
  std::vector<std::string> names;                     // channels, or patterns in patterns mode
  // Deliver the retained state of each channel first (of each channel a
  // pattern matches, in patterns mode; not in sharded mode).
  bool retained = false;
  std::string key_prefix{default_key_prefix}; // where retained states are kept (as the publisher's)
  // Glob patterns (as PSUBSCRIBE reads them): a message or retained state
  // on a channel one matches is not delivered (mosquitto_sub's -T).
  std::vector<std::string> filter_out;
  ReconnectPolicy reconnect; // how a lost connection is got back
  // PING after this long without traffic; no answer within the reply
  // timeout counts as a lost connection. nullopt: never.
  std::optional<std::chrono::milliseconds> keepalive;
};

// A message (or a retained state) as delivered.
struct STATESYNC_API Message {
  std::string channel; // the channel it was published on
  std::string pattern; // the pattern that matched (patterns mode), else empty
  std::string payload; // byte for byte
  // With `retained`: set for a retained state and for a live update
  // published with retain (its version); unset for a plain message.
  std::optional<long long> version;
  // With `retained`: the channel's retained state was cleared (the payload
  // is then empty).
  bool cleared = false;
  // With `retained`: true for a channel's retained state, read when
  // subscribing and again after each reconnect (all of them delivered before
  // the first live message of their subscription); false for a live message
  // (a live retained update included, which has a version too).
  bool current_state = false;

  bool retained() const noexcept { return version.has_value(); } // it has a version: a retained state or update
};

// What Subscriber::next() hands out: a message, or news of the connection.
struct STATESYNC_API SubscriberEvent {
  // Which kind of event.
  enum class Type {
    message,         // `message` is set
    connection_lost, // `detail` says why; reconnecting follows (unless disabled)
    not_connected,   // the first connection failed (`detail` says why); tried again until the give-up time
    reconnected,     // `detail` says where; retained states follow again (after `not_connected`: connected)
  };
  Type type = Type::message; // which kind
  Message message;           // message only
  std::string detail;
};

// Subscribes, and hands out what arrives: this file's description says how,
// what it blocks on and its thread rules. It makes a link of its own from its
// options. Throws Error as each call says.
class STATESYNC_API Subscriber {
public:
  // Connects and subscribes, waiting for the confirmations (and the
  // retained states) within the reply timeout. Throws Error: usage for
  // options that do not fit together, unavailable/refused/server/protocol
  // as a connection does.
  // The first connection is retried only when the reconnect policy has a
  // give-up time (a server not up yet); otherwise a wrong address fails
  // at once.
  explicit Subscriber(SubscriberOptions options);
  // Movable (a moved-from one may only be destroyed or assigned to).
  Subscriber(Subscriber&&) noexcept;
  Subscriber& operator=(Subscriber&&) noexcept;
  ~Subscriber();

  // The next event, waiting until `deadline` (nullopt: no limit). Nothing
  // when the deadline passes or the wait is interrupted (a signal, the
  // wake fd): the caller looks at why and calls again. Throws Error when
  // the connection is lost and reconnecting is disabled or gave up, or
  // for anything reconnecting cannot mend (refused, server errors).
  std::optional<SubscriberEvent> next(std::optional<Clock::time_point> deadline);

  // An event already received, without waiting or reading the socket: for
  // handling a burst in one go before writing output once. Throws Error
  // only for a reply that makes no sense on a subscribed connection.
  std::optional<SubscriberEvent> poll();

  // While waiting in next() (for messages or while reconnecting), `fd`
  // becoming readable ends the wait early. -1: none.
  void set_wake_fd(int fd) noexcept;

  // Unsubscribes and disconnects, without waiting for the server: for a
  // clean exit. Errors are ignored; the subscriber is done afterwards.
  void close() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
