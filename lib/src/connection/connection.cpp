// A connection: transport plus protocol, with deadlines on every wait.

#include "protocol/resp.hpp"
#include "transport/transport.hpp"
#include "util/deadline.hpp"
#include "util/warnings.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <poll.h>
#include <utility>

namespace statesync {

using detail::Readiness;

struct Connection::Impl {
  Endpoint endpoint;
  std::string client_name;
  std::unique_ptr<detail::Transport> transport;
  detail::ReplyReader reader;
  std::string output;
  std::size_t output_sent = 0;
  int wake_fd = -1;
  std::optional<Clock::time_point> wait_limit;
  // Read from the socket in large pieces, but fed to hiredis's reader in
  // small slices: its reader moves the unparsed rest of its buffer to the
  // front every kilobyte it consumes, so a 64 KiB feed of small messages
  // costs dozens of 64 KiB moves, a 4 KiB slice only a few small ones.
  static constexpr std::size_t feed_slice = 4096;
  // Left uninitialised (see open()): only what is read into it is used.
  std::array<char, 64 * 1024> input;
  std::size_t input_fed = 0;
  std::size_t input_read = 0;

  // CLIENT SETNAME's reply is owed (Endpoint::name_with_first_command): it
  // went out with the first command instead of costing a round trip of
  // its own (one in three of a short statesync-lock run). It comes first
  // and is checked before any later reply is used.
  // It is the handshake's, not counted in `owed`.
  bool name_reply_owed = false;
  // Replies owed to the caller's commands (appended, not yet read): the
  // one count every client's pipelining relies on, and what keeps
  // command() from taking an earlier command's reply for its own. A
  // pushed message (a subscribed connection) read while replies are owed
  // counts as one of them; with none owed it counts nothing.
  std::size_t owed = 0;

  // The next decoded reply from what has been read so far, if any.
  std::optional<Reply> decoded() {
    for (;;) {
      std::optional<Reply> reply = next_decoded();
      if (reply && name_reply_owed) {
        name_reply_owed = false;
        check_name_reply(*reply);
        continue;
      }
      if (reply && owed > 0) {
        --owed;
      }
      return reply;
    }
  }

  std::optional<Reply> next_decoded() {
    for (;;) {
      std::optional<Reply> reply;
      try {
        reply = reader.next();
      } catch (const Error& error) {
        // Named as every other error is: what is at that address does not speak RESP.
        throw Error(ErrorKind::protocol,
                    fmt::format("{} from {} (is it a Redis server?)", error.what(), endpoint.where()));
      }
      if (reply) {
        return reply;
      }
      if (input_fed == input_read) {
        return std::nullopt;
      }
      const std::size_t slice = std::min(feed_slice, input_read - input_fed);
      reader.feed(input.data() + input_fed, slice);
      input_fed += slice;
    }
  }

  [[noreturn]] void lost(const char* why) const {
    throw Error(ErrorKind::unavailable, fmt::format("connection to {} lost: {}", endpoint.where(), why));
  }

  [[noreturn]] void no_reply() const {
    if (wait_limit && Clock::now() >= *wait_limit) {
      throw Error(ErrorKind::unavailable, fmt::format("no reply from {} by the wait limit", endpoint.where()));
    }
    throw Error(ErrorKind::unavailable, fmt::format("no reply from {} within {}", endpoint.where(),
                                                    detail::seconds_text(endpoint.reply_timeout)));
  }

  Clock::time_point reply_deadline() const {
    const auto timeout = Clock::now() + endpoint.reply_timeout;
    return wait_limit ? std::min(timeout, *wait_limit) : timeout;
  }

  // The caller's deadline, or the wait limit when that comes first (true:
  // its passing is an error, not the caller's time running out).
  std::pair<std::optional<Clock::time_point>, bool> limited(std::optional<Clock::time_point> deadline) const {
    if (wait_limit && (!deadline || *wait_limit < *deadline)) {
      return {wait_limit, true};
    }
    return {deadline, false};
  }

  // Writes all pending output; the server must take it within the reply
  // timeout.
  void flush() {
    const auto deadline = reply_deadline();
    while (output_sent < output.size()) {
      const auto result = transport->write(output.data() + output_sent, output.size() - output_sent);
      if (result.closed) {
        // The unsent rest is dropped so that what the server sent before
        // it closed (why it refused a request, say) can still be read.
        output.clear();
        output_sent = 0;
        lost("write failed");
      }
      output_sent += result.bytes;
      if (result.bytes == 0 && detail::wait_fd(transport->fd(), result.wants, deadline) == Readiness::timed_out) {
        no_reply();
      }
    }
    output.clear();
    output_sent = 0;
  }

  enum class Received { reply, timed_out, interrupted };

  // Reads until a whole reply is decoded, the deadline passes, or (when
  // `stop_on_interrupt`) a signal or the wake fd interrupts the wait.
  Received receive(std::optional<Reply>& reply, std::optional<Clock::time_point> deadline, bool stop_on_interrupt) {
    if (output_sent < output.size()) {
      flush();
    }
    // However long the caller would wait, the handshake must be answered
    // within the reply timeout, and no signal ends that wait, as when it
    // was read in open().
    const auto handshake_deadline = name_reply_owed ? reply_deadline() : Clock::time_point{};
    const auto [until, by_limit] = limited(deadline);
    for (;;) {
      if ((reply = decoded())) {
        return Received::reply;
      }
      const bool handshaking = name_reply_owed;
      const auto result = transport->read(input.data(), input.size());
      if (result.bytes > 0) {
        input_fed = 0;
        input_read = result.bytes;
        continue;
      }
      if (result.closed) {
        lost("server closed the connection");
      }
      const bool interruptible = stop_on_interrupt && !handshaking;
      switch (detail::wait_fd(transport->fd(), result.wants, handshaking ? handshake_deadline : until,
                              interruptible ? wake_fd : -1)) {
      case Readiness::ready:
        break;
      case Readiness::timed_out:
        if (handshaking || by_limit) {
          no_reply();
        }
        return Received::timed_out;
      case Readiness::interrupted:
        if (interruptible) {
          return Received::interrupted;
        }
        break;
      }
    }
  }

  Reply read_reply() {
    std::optional<Reply> reply;
    if (receive(reply, reply_deadline(), false) != Received::reply) {
      no_reply();
    }
    return std::move(*reply);
  }

  // AUTH and SELECT are answered before open() returns: the first command
  // must not run as the wrong user or in the wrong db.
  void handshake() {
    const bool authenticating = endpoint.password.has_value();
    if (authenticating) {
      if (endpoint.user) {
        append({"AUTH", *endpoint.user, *endpoint.password});
      } else {
        append({"AUTH", *endpoint.password});
      }
    }
    const std::string db = std::to_string(endpoint.db);
    if (endpoint.db != 0) {
      append({"SELECT", db});
    }
    append({"CLIENT", "SETNAME", client_name});

    if (authenticating) {
      const Reply reply = read_reply();
      if (password_not_wanted(reply)) {
        detail::warn(fmt::format("{} has no password; going on without it (as redis-cli does). The server said: {}",
                                 endpoint.where(), reply.str));
      } else if (reply.is_error()) {
        throw Error(reply, fmt::format("authentication failed for user '{}' at {}", endpoint.user.value_or("default"),
                                       endpoint.where()));
      }
    }
    if (endpoint.db != 0) {
      const Reply reply = read_reply();
      if (reply.is_error()) {
        throw Error(reply, fmt::format("cannot select db {} at {}", endpoint.db, endpoint.where()));
      }
    }
    if (endpoint.name_with_first_command) {
      name_reply_owed = true;
      owed = 0; // the name's reply is the handshake's, not the caller's
    } else {
      check_name_reply(read_reply());
    }
  }

  // A password given to a server that has none: legacy AUTH (no user) is
  // then answered with the generic error code ERR, where a wrong password
  // gets WRONGPASS. Not worth refusing (redis-cli warns and goes on).
  bool password_not_wanted(const Reply& reply) const {
    return reply.is_error() && !endpoint.user && reply.error_code == ServerError::err;
  }

  // The name only helps operators read CLIENT LIST: a user not allowed to
  // set it can still work, but a server that wants a password must say so.
  void check_name_reply(const Reply& named) const {
    if (named.error_code == ServerError::noauth) {
      throw Error(named, fmt::format("{} requires a password", endpoint.where()));
    }
  }

  void append(std::span<const std::string_view> args) {
    detail::encode_command(args, output);
    ++owed;
  }

  void append(std::initializer_list<std::string_view> args) { append(std::span(args.begin(), args.size())); }

  // Sends one command and reads its reply. When the server closes the
  // connection while the command is still being written, it may have said
  // why first (a message over proto-max-bulk-len gets "ERR Protocol error:
  // invalid bulk length"): that reply is returned instead of the bare
  // "connection lost".
  Reply command(std::span<const std::string_view> args) {
    if (owed > 0) {
      // Its reply would be the first owed one, not its own.
      throw Error(ErrorKind::usage,
                  fmt::format("a command on the connection to {} while {} pipelined repl{} still owed: read them first",
                              endpoint.where(), owed, owed == 1 ? "y is" : "ies are"));
    }
    append(args);
    try {
      flush();
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::unavailable) {
        throw;
      }
      try {
        Reply reason = read_reply();
        if (reason.is_error()) {
          return reason;
        }
      } catch (const Error&) {
        // Nothing more to read: the bare failure is all there is to say.
      }
      throw;
    }
    return read_reply();
  }
};

Connection::Connection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection Connection::open(const Endpoint& endpoint, const std::string& client_name) {
  return open(endpoint, client_name, std::nullopt);
}

Connection Connection::open(const Endpoint& endpoint, const std::string& client_name,
                            std::optional<Clock::time_point> wait_limit) {
  if (endpoint.topology == Topology::sentinel) {
    // Which server that is, is the link's to find out (topology/sentinel).
    throw Error(ErrorKind::usage,
                fmt::format("{} names a group of Sentinels, not a server: connect through a Link", endpoint.where()));
  }
  if (endpoint.tls.enabled && !endpoint.socket_path.empty()) {
    throw Error(ErrorKind::usage, "TLS is for TCP connections, not a Unix socket");
  }
  // Not zeroed: zeroing the input buffer would touch all its pages, a
  // dozen page faults that a short run never needs.
  auto impl = std::make_unique_for_overwrite<Impl>();
  impl->endpoint = endpoint;
  impl->client_name = client_name;
  impl->wait_limit = wait_limit;
  const auto connect_by = Clock::now() + endpoint.connect_timeout;
  impl->transport = detail::open_transport(endpoint, wait_limit ? std::min(connect_by, *wait_limit) : connect_by);
  impl->handshake();
  return Connection(std::move(impl));
}

Reply Connection::command(std::span<const std::string_view> args) {
  return impl_->command(args);
}

Reply Connection::command(std::initializer_list<std::string_view> args) {
  return command(std::span(args.begin(), args.size()));
}

void Connection::append(std::span<const std::string_view> args) {
  impl_->append(args);
}

void Connection::append(std::initializer_list<std::string_view> args) {
  append(std::span(args.begin(), args.size()));
}

void Connection::flush() {
  impl_->flush();
}

std::size_t Connection::replies_owed() const noexcept {
  return impl_->owed;
}

std::size_t Connection::pending_output() const noexcept {
  return impl_->output.size() - impl_->output_sent;
}

Reply Connection::read_reply() {
  return impl_->read_reply();
}

std::optional<Reply> Connection::read_reply_until(std::optional<Clock::time_point> deadline) {
  std::optional<Reply> reply;
  impl_->receive(reply, deadline, true);
  return reply;
}

std::optional<Reply> Connection::buffered_reply() {
  return impl_->decoded();
}

void Connection::set_wake_fd(int fd) noexcept {
  impl_->wake_fd = fd;
}

void Connection::set_wait_limit(std::optional<Clock::time_point> until) noexcept {
  impl_->wait_limit = until;
}

std::optional<Clock::time_point> Connection::wait_limit() const noexcept {
  return impl_->wait_limit;
}

Connection Connection::open_sibling(const Endpoint& node) const {
  Connection sibling = open(node, impl_->client_name, impl_->wait_limit);
  sibling.set_wake_fd(wake_fd());
  return sibling;
}

int Connection::wake_fd() const noexcept {
  return impl_->wake_fd;
}

int Connection::fd() const noexcept {
  return impl_->transport->fd();
}

const Endpoint& Connection::endpoint() const noexcept {
  return impl_->endpoint;
}

std::string Connection::where() const {
  return impl_->endpoint.where();
}

Reply expect_ok(Reply reply, std::string_view what) {
  if (reply.is_error()) {
    throw Error(reply, what);
  }
  return reply;
}

} // namespace statesync
