// The stream writer: XADD pipelined per server, with the bounded window
// of a PublishStream, trimming by length or by age on the server's clock.

#include "stream/stream_link.hpp"
#include "stream/stream_reply.hpp"

#include <statesync/error.hpp>
#include <statesync/stream_writer.hpp>

#include <fmt/format.h>

#include <array>
#include <vector>

namespace statesync {
namespace {

// The server's clock, read once per server (TIME) and advanced with the
// local monotonic clock: MINID thresholds without a round trip per entry,
// and without trusting the local wall clock.
struct ServerClock {
  std::chrono::milliseconds at_read{0};
  Clock::time_point read_at;

  static ServerClock read(Connection& connection) {
    const Reply reply = connection.command({"TIME"});
    detail::throw_if_error(connection, "cannot read the server's time", reply);
    if (reply.type != Reply::Type::array || reply.elements.size() != 2) {
      detail::unexpected_reply(connection, "TIME", reply);
    }
    const auto seconds = std::stoll(reply.elements[0].str);
    const auto micros = std::stoll(reply.elements[1].str);
    return {std::chrono::milliseconds(seconds * 1000 + micros / 1000), Clock::now()};
  }

  std::chrono::milliseconds now() const {
    return at_read + std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - read_at);
  }
};

} // namespace

struct StreamWriter::Impl {
  // One server's pipeline.
  struct Lane {
    std::size_t in_flight = 0;
    std::optional<ServerClock> clock; // with a maximum age only
  };

  detail::StreamLink link;
  StreamWriterOptions options;
  OnAck on_ack;
  std::vector<Lane> lanes; // by server index
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t failed = 0; // error replies taken
  std::optional<Error> error;

  Impl(const Endpoint& endpoint, std::string client_name, StreamWriterOptions writer_options, OnAck acked)
      : link(LinkOptions{endpoint, std::move(client_name), {}, 5}), options(std::move(writer_options)),
        on_ack(std::move(acked)) {
    if (options.trim.max_length && options.trim.max_age) {
      throw Error(ErrorKind::usage, "a stream is trimmed by length or by age, not both");
    }
    if (options.window.commands < 2) {
      options.window.commands = 2;
    }
  }

  Lane& lane(std::size_t index) {
    if (lanes.size() <= index) {
      lanes.resize(index + 1);
    }
    return lanes[index];
  }

  void publish(std::string_view key, std::string_view payload) {
    fail_if_failed();
    ++sent;
    std::size_t index = 0;
    try {
      index = link.server_for(key);
      add(index, key, payload);
    } catch (const Error& failure) {
      fail(failure);
    }
    Lane& this_lane = lane(index);
    if (this_lane.in_flight >= options.window.commands) {
      // Half the window is taken back at once: the pipe stays full and the
      // socket is not written once per entry.
      take(index, options.window.commands / 2);
    } else if (link.connection(index).pending_output() >= options.window.bytes) {
      take_ready(index);
    }
  }

  void add(std::size_t index, std::string_view key, std::string_view payload) {
    Connection& connection = link.connection(index);
    Lane& this_lane = lane(index);
    std::array<std::string_view, 9> args{};
    std::size_t n = 0;
    args[n++] = "XADD";
    args[n++] = key;
    std::string threshold;
    if (options.trim.max_length) {
      threshold = std::to_string(*options.trim.max_length);
      args[n++] = "MAXLEN";
    } else if (options.trim.max_age) {
      if (!this_lane.clock) {
        this_lane.clock = ServerClock::read(connection);
      }
      const auto oldest = std::max(this_lane.clock->now() - *options.trim.max_age, std::chrono::milliseconds(0));
      threshold = std::to_string(oldest.count());
      args[n++] = "MINID";
    }
    if (!threshold.empty()) {
      args[n++] = options.trim.exact ? "=" : "~";
      args[n++] = threshold;
    }
    args[n++] = options.id;
    args[n++] = options.field;
    args[n++] = payload;
    connection.append(std::span(args.data(), n));
    ++this_lane.in_flight;
  }

  void take(std::size_t index, std::size_t keep_in_flight) {
    Lane& this_lane = lane(index);
    try {
      Connection& connection = link.connection(index);
      connection.flush();
      // After an error reply every reply still in flight is read all the
      // same: the entries behind it were added, and are counted.
      while (this_lane.in_flight > (error ? 0 : keep_in_flight)) {
        take_reply(this_lane, connection, connection.read_reply());
      }
    } catch (const Error& failure) {
      fail(failure);
    }
    fail_if_failed();
  }

  void take_ready(std::size_t index) {
    Lane& this_lane = lane(index);
    try {
      Connection& connection = link.connection(index);
      connection.flush();
      while (this_lane.in_flight > 0) {
        auto reply = connection.read_reply_until(Clock::now());
        if (!reply) {
          break;
        }
        take_reply(this_lane, connection, *reply);
      }
    } catch (const Error& failure) {
      fail(failure);
    }
    if (error) {
      take(index, 0);
    }
  }

  void take_reply(Lane& answered, const Connection& connection, const Reply& reply) {
    --answered.in_flight;
    const std::uint64_t message = acknowledged + failed + 1;
    if (reply.type != Reply::Type::string) {
      ++failed;
      if (!error) {
        error = reply.is_error() ? Error(reply, fmt::format("message {} failed at {}", message, connection.where()))
                                 : Error(ErrorKind::protocol, fmt::format("unexpected reply to XADD from {}: {}",
                                                                          connection.where(), reply.describe()));
      }
      return;
    }
    ++acknowledged;
    on_ack({message, 0, 0, reply.str});
  }

  void for_each_lane(void (Impl::*step)(std::size_t)) {
    for (std::size_t i = 0; i < lanes.size(); ++i) {
      if (lanes[i].in_flight > 0) {
        (this->*step)(i);
      }
    }
  }

  void finish_lane(std::size_t index) { take(index, 0); }

  void fail_if_failed() const {
    if (error) {
      throw *error;
    }
  }

  [[noreturn]] void fail(const Error& failure) {
    if (!error) {
      error = failure;
    }
    for (auto& each : lanes) {
      each.in_flight = 0;
    }
    throw *error;
  }
};

StreamWriter::StreamWriter(const Endpoint& endpoint, std::string client_name, StreamWriterOptions options, OnAck on_ack)
    : impl_(std::make_unique<Impl>(endpoint, std::move(client_name), std::move(options), std::move(on_ack))) {}

StreamWriter::~StreamWriter() = default;

void StreamWriter::publish(std::string_view key, std::string_view payload) {
  impl_->publish(key, payload);
}

void StreamWriter::retain(std::string_view, std::string_view, std::chrono::milliseconds) {
  throw Error(ErrorKind::usage, "a stream keeps every entry: there is no retained state to set");
}

void StreamWriter::send() {
  impl_->for_each_lane(&Impl::take_ready);
}

void StreamWriter::finish() {
  impl_->for_each_lane(&Impl::finish_lane);
  impl_->fail_if_failed();
}

std::uint64_t StreamWriter::sent() const noexcept {
  return impl_->sent;
}

std::uint64_t StreamWriter::acknowledged() const noexcept {
  return impl_->acknowledged;
}

} // namespace statesync
