#pragma once
// A key watcher: reports the value of Redis keys now and after every change,
// whoever writes them (plain SET, HSET, DEL, EXPIRE, scripts, transactions),
// without any server configuration.
//
// It is level-triggered and exact about the end state: changes may be
// coalesced (a key written a thousand times in a burst may be reported
// fewer times), but once a burst is over the last change reported for a key
// is its value at that moment. After any gap (a lost connection, a server
// restart, a failover, a slot that moved) every watched key is read again
// and what differs from what was last reported is reported. A change that
// leaves a key as it was last reported is not reported again.
//
// How: Redis client-side caching invalidations (CLIENT TRACKING ...
// REDIRECT to a connection subscribed to __redis__:invalidate, RESP2).
// Exact keys are tracked in the default mode (the server remembers the keys
// the tracking connection read, so every value is read through it); glob
// patterns in broadcasting mode with the literal prefix of each pattern,
// the rest matched here. Where tracking is refused (a proxy, an ACL without
// CLIENT) it falls back to keyspace notifications if the server has them
// enabled (not for FLUSHALL/FLUSHDB, which send none), and otherwise
// refuses, saying what to enable. In a cluster each key is tracked at the
// owner of its slot; a server named as one server that answers MOVED for a
// watched key is taken for the cluster node it is.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/link.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace statesync {

// What a KeyWatcher watches, and where.
struct STATESYNC_API KeyWatcherOptions {
  Endpoint endpoint;                 // where the keys are
  std::string client_name;           // CLIENT SETNAME on each connection
  std::vector<std::string> keys;     // exact key names (binary-safe)
  std::vector<std::string> patterns; // glob patterns, as KEYS and SCAN MATCH read them
  ReconnectPolicy reconnect;         // as the link's: after a gap, how to get back
  // PING a connection after this long without traffic; no answer within
  // the reply timeout is a gap (a silent or frozen server is found so).
  // nullopt: 15 seconds.
  std::optional<std::chrono::milliseconds> keepalive;
};

// A key's value, as its type reads. Set members, hash fields and sorted-set
// members come in a stable order (sorted by name, by score for a sorted set),
// so that an unchanged value compares equal.
struct STATESYNC_API KeyValue {
  enum class Type { string, hash, list, set, zset, other }; // the Redis type; other: not read (a stream)
  Type type = Type::string;                                 // which of the fields below hold the value
  std::string type_name;                                    // "string", "hash", ..., "stream"
  std::string bytes;                                        // string
  std::vector<std::string> elements;                        // list, set
  std::vector<std::pair<std::string, std::string>> pairs;   // hash: field, value; zset: member, score

  bool operator==(const KeyValue&) const = default; // the same value (in its stable order)
};

// A watched key's new state.
struct STATESYNC_API KeyChange {
  enum class Event { set, deleted }; // set: it has a value (new or changed); deleted: it is gone (or expired)
  std::string key;                   // the key (binary-safe)
  std::string pattern;               // the pattern that matched it, empty for an exact key
  Event event = Event::set;          // what happened to it
  KeyValue value;                    // meaningful for `set` only
};

// What KeyWatcher::next() hands out: a change, or news of the connection.
struct STATESYNC_API KeyWatchEvent {
  // Which kind of event.
  enum class Type {
    change,          // `change` is set
    connection_lost, // `detail` says why; reconnecting follows (unless disabled)
    not_connected,   // the first connection failed (`detail` says why); tried again until the give-up time
    reconnected,     // `detail` says where; changes made meanwhile follow (after `not_connected`: connected)
  };
  Type type = Type::change; // which kind
  KeyChange change;         // change only
  std::string detail;
};

// "set" or "deleted".
STATESYNC_API const char* event_name(KeyChange::Event event) noexcept;

// Watches keys (this file's description says how). It makes a link of its own
// from its options. Blocks only in its constructor and next(); throws Error as
// each call says. Threads: one thread at a time; set_wake_fd() is how another
// thread (or a signal handler) ends a wait in next().
class STATESYNC_API KeyWatcher {
public:
  // Connects, starts tracking and reads every watched key: their current
  // values (keys that exist) are the first events. Throws Error: usage for
  // options that do not fit, refused when the server refuses tracking and
  // notifications are off for want of permission (or a key cannot be read:
  // the message names it), unavailable when tracking is refused and
  // notifications are off, and as a connection does. The first connection
  // is not retried.
  explicit KeyWatcher(KeyWatcherOptions options);
  // Movable (a moved-from one may only be destroyed or assigned to).
  KeyWatcher(KeyWatcher&&) noexcept;
  KeyWatcher& operator=(KeyWatcher&&) noexcept;
  ~KeyWatcher();

  // The next event, waiting until `deadline` (nullopt: no limit); nothing
  // when it passes or the wait is interrupted (a signal, the wake fd),
  // also while reconnecting after a gap (called again, it goes on).
  // Throws Error when the connection is lost and reconnecting is disabled
  // or gave up, and for what reconnecting cannot mend.
  std::optional<KeyWatchEvent> next(std::optional<Clock::time_point> deadline);

  // An event already received, without waiting for the network.
  std::optional<KeyWatchEvent> poll();

  // While waiting in next(), `fd` becoming readable ends the wait early.
  void set_wake_fd(int fd) noexcept;

  // Disconnects; the watcher is done afterwards.
  void close() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
