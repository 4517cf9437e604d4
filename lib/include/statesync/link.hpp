#pragma once
// A link: the library's way to one deployment of Redis. It holds the
// endpoint and what it learned of the topology (one server, the master a
// group of Sentinels names, a Redis Cluster), the connection(s) to it, and
// the policy for getting them back: reconnecting with backoff and jitter,
// giving up after a time, and how many failovers in a row without progress
// it follows. Publisher, the record stream, Subscriber and Lock are built
// on a link; a program gets the tools' guarantees by using them.
//
// Layers: a Connection talks to one server and knows nothing of topology;
// Sentinel discovery, cluster routing (a key's slot owner) and cluster
// redirections (MOVED, ASK) live in the link.
//
// Waits: every wait of a link (connecting, the backoff between attempts,
// Sentinel rounds, a failover) ends at a deadline or when the wake fd (see
// set_wake_fd) becomes readable, whichever comes first.
//
// Threads: a Link, and everything built on it, is used from one thread at
// a time.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>
#include <statesync/export.hpp>
#include <statesync/reply.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace statesync {

// How a lost connection is got back: set once, in the options of the entry
// point (LinkOptions, SubscriberOptions, StreamReaderOptions,
// StreamWriterOptions, KeyWatcherOptions, ResponderOptions); every entry point
// follows it the same way (the link's recover()).
struct STATESYNC_API ReconnectPolicy {
  // False: a lost connection is the caller's failure at once (recover()
  // rethrows it); Sentinel and Cluster failovers are still followed.
  bool enabled = true;
  // The first wait before reconnecting; it doubles after every failed
  // attempt up to `max_delay` (the ceiling), and each wait is shortened by
  // a random amount of up to half (jitter, so that many clients that lost
  // the same server do not come back in lockstep).
  std::chrono::milliseconds first_delay{100};
  std::chrono::milliseconds max_delay{10000}; // the ceiling of that wait
  // Give up (Error(unavailable)) when the connection is not back this long
  // after it was lost. With it, the first connection is retried too (a
  // server not up yet). nullopt: try forever, and a first connection that
  // fails fails at once (a wrong address is reported, not waited for).
  std::optional<std::chrono::milliseconds> give_up_after;
};

// What a Link is made from.
struct STATESYNC_API LinkOptions {
  Endpoint endpoint;         // where the deployment is
  std::string client_name;   // CLIENT SETNAME on every connection
  ReconnectPolicy reconnect; // how a lost connection is got back
  // Failovers in a row without progress() in between: after that many the
  // deployment is not coming back, and the last failure is the answer.
  int max_failovers = 5;
};

// A connection of its own for push traffic (SUBSCRIBE, CLIENT TRACKING's
// REDIRECT target), and its CLIENT ID.
struct STATESYNC_API PushConnection {
  Connection connection;   // subscribed or redirected to by the caller; the caller owns it
  long long client_id = 0; // its CLIENT ID (a CLIENT TRACKING REDIRECT target)
};

// The way to one deployment: this file's description says what it holds,
// how it waits (deadlines and the wake fd) and its thread rules (one thread at
// a time, with everything built on it). Each call says what it throws.
class STATESYNC_API Link {
public:
  // Does not connect: the first use does (or connect()). Throws
  // Error(usage) for an endpoint that cannot work (Sentinel without a
  // master name or an address, TLS over a Unix socket).
  explicit Link(LinkOptions options);
  // Shorthand: one server, the default policy.
  Link(const Endpoint& endpoint, std::string client_name);
  Link(Link&&) noexcept;
  Link& operator=(Link&&) noexcept;
  ~Link();

  const LinkOptions& options() const noexcept; // what it was made from
  // The endpoint as given; its topology becomes `cluster` once a MOVED
  // has shown that a server named as a single one is a cluster node.
  const Endpoint& endpoint() const noexcept;
  Topology topology() const noexcept;
  // Where the link is connected now ("host:port", several for a cluster),
  // or the endpoint's address while it is not: for messages.
  std::string where() const;

  // Connects now rather than at first use: a program learns at once that
  // the server cannot be reached. With a give-up time in the policy, a
  // failed attempt is retried after the backoff until then. Returns false
  // when the wake fd ended the wait; throws Error as Connection::open.
  bool connect();

  // The connection to the server for `key`: in a cluster the owner of the
  // key's slot (empty key: any node), otherwise the one server, whatever
  // `key`. Opened when needed (Sentinel: the master named now). For
  // pipelining: append, flush, read replies, then hand the error to
  // recover() if one comes. The reference stays valid until the next
  // call that may reconnect (recover(), reset(), connection() for a key of
  // another node does not invalidate it).
  Connection& connection(std::string_view key = {});

  // One command on connection(key), waiting at most the reply timeout;
  // cluster redirections are followed (MOVED: to the slot's owner, learnt
  // for later; ASK: this command only, after ASKING). An error reply is
  // returned, not thrown. Throws Error(unavailable) for a lost connection
  // or no reply: see recover(). A connection whose command failed is
  // forgotten (it may still owe the reply): the next call connects again.
  Reply command(std::span<const std::string_view> args, std::string_view key = {});
  Reply command(std::initializer_list<std::string_view> args, std::string_view key = {});

  // Sends `args` once more, alone, to the node that an ASK reply (`ask`,
  // from `asking`, a connection of this link) names, after ASKING: for a
  // command of a pipeline, whose connection still owes the replies behind
  // it (so that command(), which would route there, cannot be used). The
  // node's reply is returned as it is (an error reply, even a further
  // redirection, is not thrown). Throws Error(usage) when `ask` is not an
  // ASK, Error(unavailable) when the node cannot be reached or does not
  // answer within the reply timeout.
  Reply ask(const Reply& ask, const Connection& asking, std::span<const std::string_view> args);

  // The next reply on connection(key), waiting until `deadline` (nullopt:
  // no limit): a blocking command's or a pipeline's. nullopt when the
  // deadline passes or the wake fd (or a signal) ends the wait first.
  std::optional<Reply> read_reply_until(std::optional<Clock::time_point> deadline, std::string_view key = {});

  // After `error` from this link: when it is a lost connection or a
  // failover (suggests_failover), and the policy allows, forgets the
  // connections (replies owed on them are lost with them) and connects
  // again: the master the Sentinels name now, the cluster's slot owners
  // now, the one server when it is back, waiting the backoff between
  // attempts. Returns true once connected again (generation() has gone up
  // and every on_reconnect callback has run), false when the wake fd ended
  // a wait (call again to go on). Throws `error` when it is not something
  // reconnecting mends, reconnecting is disabled (and the topology has no
  // failover to follow), or more than max_failovers came without
  // progress(); throws Error(unavailable) once give_up_after has passed.
  bool recover(const Error& error);
  // As recover(error), but false also when `until` passes before the next
  // attempt: for a caller that must come back by its own deadline (call
  // again, with the same error, to go on where it stopped).
  bool recover(const Error& error, std::optional<Clock::time_point> until);
  // As recover(error), but past `give_up` the attempts end and `error`
  // itself is thrown: for a caller whose work has a hard end (a lock's
  // lease gives up at two thirds of its TTL, say).
  bool recover_before(const Error& error, Clock::time_point give_up);

  // The caller's work went forward (a message acknowledged, a lease
  // renewed): the count of failovers in a row starts again.
  void progress() noexcept;

  // How many times the link has connected again: a caller that keeps
  // state on the server (subscriptions, a blocking read's position)
  // compares it to know when to restore it.
  std::uint64_t generation() const noexcept;
  // Called after each reconnection, in the order added, before recover()
  // returns: to restore what the caller keeps on the server. A callback
  // that throws Error(unavailable) or an error that suggests a failover
  // makes the attempt a failed one (retried after the backoff); any other
  // Error is thrown by recover().
  void on_reconnect(std::function<void()> callback);

  // A new connection for push traffic to the server for `key` (routed as
  // connection(key)), with its client id. The caller owns it; the link
  // does not use or watch it. Throws Error as Connection::open.
  PushConnection open_push(std::string_view key = {});

  // While any wait of the link (or of a connection it opens) is under
  // way, `fd` becoming readable ends it early: a self-pipe written by a
  // signal handler, an eventfd another thread writes. -1: none.
  void set_wake_fd(int fd) noexcept;
  int wake_fd() const noexcept;

  // Behind Sentinels: the replicas the Sentinel that named the master
  // listed as up when the link last connected (the deployment's, not what
  // a master that may have been demoted says of its own); 0 otherwise.
  int deployment_replicas() const noexcept;

  // Behind Sentinels, once connected: throws Error(unavailable), a
  // failover for recover() to follow, when the Sentinels name a master
  // other than the one connected to. They are heard on a subscription to
  // their +switch-master announcement that the link keeps to one Sentinel
  // (made again to the next when it drops, and the master asked for again
  // then), so a writer learns of a manual failover when it is announced,
  // not seconds later when the old master is demoted. Cheap enough to call
  // per message: it looks at most every few milliseconds, waits only to
  // (re)subscribe, and never throws for a Sentinel's own failure.
  // Nothing for other topologies.
  void check_failover();

  // Every wait of the link's connections, those held and those it opens
  // (Sentinel queries too), also ends by `until`, as Error(unavailable)
  // (Connection::set_wait_limit); nullopt: by their timeouts alone. A
  // lease's keeper sets its give-up point here while it renews.
  void set_wait_limit(std::optional<Clock::time_point> until) noexcept;

  // Waits until `until`; false when the wake fd (or a signal) ended the
  // wait first. For a caller's own pause (a retry later).
  bool pause_until(Clock::time_point until) const;

  // Closes every connection, without waiting: replies owed are dropped.
  // The next use connects again (generation() unchanged).
  void reset() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
