#pragma once
// One connection to one Redis server. A value type (movable, not a
// singleton), so that a router can hold several of them. It knows nothing
// of topology: which server (the master a group of Sentinels names, a
// cluster key's slot owner) and following redirections are the Link's
// (link.hpp), the way in for a program.
//
// Waits: every call that waits (open, command, flush, read_reply) ends at
// the endpoint's connect or reply timeout; read_reply_until at the caller's
// deadline or when the wake fd becomes readable. A wait limit, when set,
// ends every wait by that point too (Error(unavailable)): a lease that
// must be renewed by its give-up point waits no longer than that.
//
// Threads: one thread at a time per connection (no locking inside);
// different connections may be used from different threads.

#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/reply.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {

// The clock of every deadline in the library: monotonic, never the wall clock.
using Clock = std::chrono::steady_clock;

// One connection to one server; how it waits and its thread rules are in this
// file's description above. Throws Error, as each call says.
class STATESYNC_API Connection {
public:
  // Connects (within the connect timeout), authenticates, selects the db
  // and sets the client name, waiting for each answer (within the reply
  // timeout); see Endpoint::name_with_first_command. A cluster endpoint
  // connects to its seed node. Throws Error(usage) for a Sentinel endpoint
  // (open a Link) or TLS over a Unix socket; Error(unavailable) when the
  // server cannot be reached or does not answer; Error(refused) for
  // credentials it refuses; Error(protocol | server) otherwise.
  static Connection open(const Endpoint& endpoint, const std::string& client_name);
  // As above, every wait ending by `wait_limit` too (set_wait_limit()).
  static Connection open(const Endpoint& endpoint, const std::string& client_name,
                         std::optional<Clock::time_point> wait_limit);

  // Movable (a moved-from one may only be destroyed or assigned to);
  // the destructor closes the socket without waiting.
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  ~Connection();

  // Sends one command and waits (at most the reply timeout) for its reply.
  // An error reply is returned, not thrown: callers decide what it means;
  // so is the reason a server gives before closing the connection on a
  // command it refuses while it is still being written (an oversized
  // one). Throws Error(usage) while replies to appended commands are
  // still owed (replies_owed() > 0): its reply would be theirs. Throws
  // Error(unavailable) for a lost connection or no reply in time.
  Reply command(std::span<const std::string_view> args);
  Reply command(std::initializer_list<std::string_view> args);

  // Pipelining: append() encodes into the output buffer (no I/O, no
  // throw but std::bad_alloc) and counts one reply owed; flush() writes
  // the buffer out, waiting while the server does not take it (at most
  // the reply timeout; Error(unavailable) then, or when the connection is
  // lost); pending_output() is what is still to be written; read_reply()
  // flushes, then waits (at most the reply timeout) for the next reply in
  // order, Error(unavailable) when none comes or the connection is lost.
  void append(std::span<const std::string_view> args);
  void append(std::initializer_list<std::string_view> args);
  void flush();
  std::size_t pending_output() const noexcept;
  Reply read_reply();
  // Replies to appended commands not read yet: append() adds one, reading
  // a reply takes one. On a subscribed connection a pushed message read
  // while replies are owed counts as one of them (the server does not say
  // which it is), so there it is a bound, not an exact count.
  std::size_t replies_owed() const noexcept;

  // Waits for a reply until `deadline` (or forever when nullopt); nullopt
  // when the deadline passes first or the wait is interrupted (a signal,
  // the wake fd). For replies that may take long to come,
  // like pushed messages or a blocking pop. Throws Error(unavailable) for
  // a lost connection.
  std::optional<Reply> read_reply_until(std::optional<Clock::time_point> deadline);
  // A reply already received and decoded, without waiting for the socket
  // (no I/O; throws only as the handshake's deferred name reply may, see
  // Endpoint::name_with_first_command).
  std::optional<Reply> buffered_reply();

  // While waiting in read_reply_until(), `fd` becoming readable ends the
  // wait early (a self-pipe written by a signal handler, say). -1: none.
  void set_wake_fd(int fd) noexcept;
  int wake_fd() const noexcept;

  // Every later wait also ends by `until` (nullopt: by the timeouts
  // alone): a reply or a write not done by then is Error(unavailable),
  // also in read_reply_until() when `until` comes before its deadline.
  void set_wait_limit(std::optional<Clock::time_point> until) noexcept;
  std::optional<Clock::time_point> wait_limit() const noexcept;

  // A new connection to another server, `node`, with this connection's
  // client name, wake fd and wait limit (the topology layer decides which
  // server).
  // Blocks and throws as open().
  Connection open_sibling(const Endpoint& node) const;

  // The socket (for poll), the endpoint it was opened with, and its
  // address for messages ("host:port" or the socket path).
  int fd() const noexcept;
  const Endpoint& endpoint() const noexcept;
  std::string where() const;

private:
  struct Impl;
  explicit Connection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Throws Error for an error reply (its kind and server code from the
// reply; `what` says what was asked), returns the reply otherwise. No I/O.
STATESYNC_API Reply expect_ok(Reply reply, std::string_view what);

} // namespace statesync
