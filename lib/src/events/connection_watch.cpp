#include "events/connection_watch.hpp"

#include "util/deadline.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace statesync::detail {
namespace {

std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a, std::optional<Clock::time_point> b) {
  if (!a || !b) {
    return a ? a : b;
  }
  return std::min(*a, *b);
}

// PING's answer: PONG, or ["pong", ""] on a subscribed connection.
bool is_pong(const Reply& reply) {
  return reply.is_status("PONG") ||
         (reply.type == Reply::Type::array && !reply.elements.empty() && reply.elements[0].str == "pong");
}

} // namespace

ConnectionWatch::ConnectionWatch(std::optional<std::chrono::milliseconds> keepalive) : keepalive_(keepalive) {}

std::size_t ConnectionWatch::add(Connection& connection) {
  watched_.push_back({&connection, Clock::now(), {}, std::nullopt});
  return watched_.size() - 1;
}

void ConnectionWatch::clear() noexcept {
  watched_.clear();
  next_to_read_ = 0;
}

void ConnectionWatch::awaiting(std::size_t from, std::chrono::milliseconds block) {
  watched_.at(from).heard = Clock::now();
  watched_.at(from).block = block;
}

bool ConnectionWatch::keep(Watched& w, const Reply& reply) {
  w.heard = Clock::now();
  if (w.pong_due && is_pong(reply)) {
    w.pong_due.reset();
    return false;
  }
  return true;
}

void ConnectionWatch::settle(std::size_t from) {
  Watched& w = watched_.at(from);
  while (w.pong_due) {
    const Reply reply = w.connection->read_reply();
    if (keep(w, reply)) {
      throw Error(ErrorKind::protocol, fmt::format("unexpected reply from {} before the answer to a keepalive PING: {}",
                                                   w.connection->where(), reply.describe()));
    }
  }
}

std::optional<Clock::time_point> ConnectionWatch::next_check() const {
  std::optional<Clock::time_point> point;
  for (const Watched& w : watched_) {
    if (w.pong_due) {
      point = earliest(point, w.pong_due);
    } else if (w.connection->replies_owed() > 0) {
      point = earliest(point, w.heard + w.block + w.connection->endpoint().reply_timeout);
    } else if (keepalive_) {
      point = earliest(point, w.heard + *keepalive_);
    }
  }
  return point;
}

void ConnectionWatch::check_silence() {
  const auto now = Clock::now();
  for (Watched& w : watched_) {
    Connection& c = *w.connection;
    const auto reply_timeout = c.endpoint().reply_timeout;
    if (w.pong_due) {
      if (now >= *w.pong_due) {
        throw Error(ErrorKind::unavailable, fmt::format("no answer to a keepalive PING from {} within {}", c.where(),
                                                        seconds_text(reply_timeout)));
      }
    } else if (c.replies_owed() > 0) {
      if (now >= w.heard + w.block + reply_timeout) {
        throw Error(ErrorKind::unavailable,
                    fmt::format("no reply from {} within {}", c.where(), seconds_text(reply_timeout)));
      }
    } else if (keepalive_ && now >= w.heard + *keepalive_) {
      c.append({"PING"});
      c.flush();
      w.pong_due = now + reply_timeout;
    }
  }
}

std::optional<ConnectionWatch::Received> ConnectionWatch::read_now() {
  // Read rather than only decoded: TLS keeps decrypted bytes the socket
  // no longer shows, and a closed connection is found here too.
  for (std::size_t n = 0; n < watched_.size(); ++n) {
    const std::size_t i = next_to_read_;
    next_to_read_ = (next_to_read_ + 1) % watched_.size();
    while (auto reply = watched_[i].connection->read_reply_until(Clock::now())) {
      if (keep(watched_[i], *reply)) {
        return Received{i, std::move(*reply)};
      }
    }
  }
  return std::nullopt;
}

std::optional<ConnectionWatch::Received> ConnectionWatch::buffered() {
  for (std::size_t n = 0; n < watched_.size(); ++n) {
    const std::size_t i = next_to_read_;
    next_to_read_ = (next_to_read_ + 1) % watched_.size();
    while (auto reply = watched_[i].connection->buffered_reply()) {
      if (keep(watched_[i], *reply)) {
        return Received{i, std::move(*reply)};
      }
    }
  }
  return std::nullopt;
}

std::optional<ConnectionWatch::Received> ConnectionWatch::next(std::optional<Clock::time_point> deadline, int wake_fd) {
  std::vector<pollfd> fds;
  for (;;) {
    if (watched_.size() != 1) {
      if (auto received = read_now()) {
        return received;
      }
    }
    check_silence();
    const auto until = earliest(deadline, next_check());
    if (watched_.size() == 1) {
      // One connection: its own wait, without a poll set to build.
      if (auto reply = watched_.front().connection->read_reply_until(until)) {
        if (keep(watched_.front(), *reply)) {
          return Received{0, std::move(*reply)};
        }
        continue;
      }
      const auto now = Clock::now();
      if (!until || now < *until || (deadline && now >= *deadline)) {
        return std::nullopt; // woken, or the deadline came
      }
      continue; // a keepalive to see to
    }
    fds.clear();
    for (const Watched& w : watched_) {
      fds.push_back({w.connection->fd(), POLLIN, 0});
    }
    fds.push_back({wake_fd, POLLIN, 0});
    int timeout = -1;
    if (until) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*until - Clock::now()).count();
      timeout = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
    }
    const int ready = ::poll(fds.data(), fds.size(), timeout);
    if ((ready < 0 && errno == EINTR) || (wake_fd >= 0 && fds.back().revents != 0)) {
      return std::nullopt;
    }
    if (ready == 0 && deadline && Clock::now() >= *deadline) {
      return std::nullopt;
    }
  }
}

} // namespace statesync::detail
