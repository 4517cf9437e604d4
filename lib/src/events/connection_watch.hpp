#pragma once
// The event core of the readers (Subscriber, StreamReader, KeyWatcher):
// every connection a reader relies on, waited on together with the
// caller's wake fd, under one rule: a connection that closes or goes
// silent is a gap (Error(unavailable)), after which the reader reconnects
// and reads everything again. A connection the reader only sends commands
// on (the watcher's tracking reader) counts as much as the one it listens
// on: a server that closes it (CLIENT KILL, its idle `timeout`) otherwise
// leaves the reader deaf without a word.
//
// Silence: a connection that owes nothing gets a keepalive PING after the
// keepalive time without traffic, and must answer it within the reply
// timeout; one that owes replies must send them within the reply timeout
// after it was last heard from or asked (plus the block time of a blocking
// read, see awaiting()). The PING's answer is taken here, never returned.

#include <statesync/connection.hpp>
#include <statesync/reply.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <vector>

namespace statesync::detail {

// The keepalive of the connections a reader relies on where its caller
// chose none: short enough to find a silent server, or to keep a
// connection through most idle cuts (proxies, NAT), without traffic that
// counts.
inline constexpr std::chrono::milliseconds reader_keepalive{15000};

class ConnectionWatch {
public:
  struct Received {
    std::size_t from; // the connection's number, in the order added
    Reply reply;
  };

  // `keepalive`: nullopt for no PINGs (a reader whose connections always
  // owe a reply, or whose caller wants none).
  explicit ConnectionWatch(std::optional<std::chrono::milliseconds> keepalive);

  // Watches `connection` (not owned; it must outlive its watching, until
  // clear()); returns its number. Counts as just heard from.
  std::size_t add(Connection& connection);
  void clear() noexcept;
  bool empty() const noexcept { return watched_.empty(); }

  // A command was sent on connection `from` whose reply may take `block`
  // (a blocking read) on top of the reply timeout.
  void awaiting(std::size_t from, std::chrono::milliseconds block);

  // Takes the answer to a keepalive PING still owed on connection `from`,
  // so that the caller's next reply there is its own (Connection::command
  // needs none owed). Throws Error(unavailable) as Connection::read_reply,
  // Error(protocol) for another reply before it.
  void settle(std::size_t from);

  // The next reply received on any connection, until `deadline` (nullopt:
  // no limit); nothing when it passes, or the wake fd (or a signal) ends
  // the wait. Sends the keepalive PINGs that are due while it waits.
  // Throws Error(unavailable) for a connection closed, lost or silent: a
  // gap.
  std::optional<Received> next(std::optional<Clock::time_point> deadline, int wake_fd);

  // A reply already received and decoded, without I/O.
  std::optional<Received> buffered();

private:
  struct Watched {
    Connection* connection;
    Clock::time_point heard;                   // last traffic, or last asked
    std::chrono::milliseconds block{0};        // of the command awaited
    std::optional<Clock::time_point> pong_due; // a keepalive PING unanswered
  };

  // The reply read on `w` is kept (true) or was the keepalive's answer.
  bool keep(Watched& w, const Reply& reply);
  // The earliest point a connection must be looked at: its keepalive due
  // or its silence ended.
  std::optional<Clock::time_point> next_check() const;
  // PINGs the connections due; throws for one silent too long.
  void check_silence();
  std::optional<Received> read_now();

  std::optional<std::chrono::milliseconds> keepalive_;
  std::vector<Watched> watched_;
  std::size_t next_to_read_ = 0; // round robin over several
};

} // namespace statesync::detail
