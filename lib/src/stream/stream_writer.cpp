// The stream writer: XADD pipelined per server, with the bounded window
// of a PublishStream, trimming by length, by age on the server's clock, or
// both; and, when its link can reconnect, the healing that adds what a
// lost connection or a failover left unconfirmed where its key lives now.

#include "lock/fence.hpp"
#include "protocol/lua_scripts.hpp"
#include "protocol/unexpected_reply.hpp"
#include "pubsub/healing_pipeline.hpp"
#include "stream/stream_link.hpp"
#include "stream/stream_reply.hpp"

#include "topology/failover.hpp"
#include "topology/replica_wait.hpp"
#include <statesync/error.hpp>
#include <statesync/stream_writer.hpp>

#include <fmt/format.h>

#include <array>
#include <deque>
#include <iterator>
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

// An entry kept until the server confirms it, to be added again after a
// failover.
struct EntryCopy {
  std::string key, payload;
};

} // namespace

// Hidden: its vtable (HealingPipeline's hooks) is not part of the library's ABI.
struct __attribute__((visibility("hidden"))) StreamWriter::Impl final : detail::HealingPipeline<EntryCopy> {
  // One server's pipeline.
  enum class Owed { xadd, xtrim, wait };
  struct Lane {
    std::deque<Owed> in_flight;       // the replies owed, in order (both limits: an XTRIM's follows each XADD's)
    std::optional<ServerClock> clock; // with a maximum age only
    std::deque<EntryCopy> copies;     // per XADD in flight, while healing is possible
    std::deque<EntryCopy> again;      // refused for a failover (MOVED, READONLY): to add again
    std::optional<Error> failover;    // the first such refusal
    std::string asked_key;            // the last XADD's key, when an ASK sent it on
    // With wait_replicas: added, waiting for the WAIT behind them (their
    // IDs, and copies while healing is possible), and XADDs since the last WAIT.
    std::deque<std::string> held_ids;
    std::deque<EntryCopy> held_copies;
    std::size_t since_wait = 0;
  };

  detail::StreamLink link;
  StreamWriterOptions options;
  OnAck on_ack;
  std::vector<Lane> lanes; // by server index
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0;
  std::uint64_t failed = 0; // error replies taken
  detail::ReplicaWait replicas;

  // Copies are worth keeping unless the link cannot reconnect.
  Impl(const Endpoint& endpoint, std::string client_name, StreamWriterOptions writer_options, OnAck acked)
      : HealingPipeline(writer_options.reconnect.enabled || endpoint.topology != Topology::standalone),
        link(LinkOptions{endpoint, std::move(client_name), writer_options.reconnect}),
        options(std::move(writer_options)), on_ack(std::move(acked)),
        replicas(options.window.wait_replicas, endpoint.reply_timeout, options.reconnect.give_up_after) {
    if (options.window.commands < 2) {
      options.window.commands = 2;
    }
  }

  bool trims_twice() const { return options.trim.max_length && options.trim.max_age; }

  Lane& lane(std::size_t index) {
    if (lanes.size() <= index) {
      lanes.resize(index + 1);
    }
    return lanes[index];
  }

  // Adds one entry (HealingPipeline::deliver).
  void add_entry(std::string_view key, std::string_view payload) {
    deliver([&] { put(key, payload); });
  }

  void put(std::string_view key, std::string_view payload) {
    const std::size_t index = link.server_for(key);
    Lane& this_lane = lane(index);
    Connection& connection = link.connection(index);
    if (options.trim.max_age && !this_lane.clock) {
      this_lane.clock = ServerClock::read(connection); // before anything is in flight
    }
    if (heals()) {
      this_lane.copies.push_back({std::string(key), std::string(payload)});
      ++copies_taken();
    }
    add(connection, this_lane, key, payload);
    if (replicas.enabled() && ++this_lane.since_wait >= detail::ReplicaWait::batch(options.window.commands)) {
      append_wait(connection, this_lane);
    }
    if (this_lane.in_flight.size() >= options.window.commands) {
      // Half the window is taken back at once: the pipe stays full and the
      // socket is not written once per entry.
      take(index, options.window.commands / 2);
    } else if (connection.pending_output() >= options.window.bytes) {
      take_ready(index);
    }
  }

  // XADD's arguments, trimming by length or else by age (with both, an
  // XTRIM by age follows: xtrim()).
  struct Xadd {
    std::array<std::string_view, 16> args{};
    std::size_t n = 0;
    std::string length, oldest, fence_key, token;
    std::span<const std::string_view> span() const { return std::span(args.data(), n); }
  };

  // The age threshold on `at`'s server clock, as MINID takes it.
  std::string oldest_kept(const Lane& at) const {
    const auto threshold = std::max(at.clock->now() - *options.trim.max_age, std::chrono::milliseconds(0));
    return std::to_string(threshold.count());
  }

  // `out` is filled in place: its views point into its own strings.
  void xadd(Xadd& out, const Lane& at, std::string_view key, std::string_view payload) const {
    const StreamTrim& trim = options.trim;
    if (options.fence) {
      // Fenced: the XADD runs inside fence.lua, sent whole (EVAL, not
      // EVALSHA: a pipeline cannot stop to load it), with the lock's
      // fencing counter and the stream as its keys.
      out.fence_key = detail::fence_counter_key(link.endpoint().topology, *options.fence, key);
      out.token = std::to_string(options.fence->token);
      out.args[out.n++] = "EVAL";
      out.args[out.n++] = detail::lua::fence;
      out.args[out.n++] = "2";
      out.args[out.n++] = out.fence_key;
      out.args[out.n++] = key;
      out.args[out.n++] = options.fence->lock;
      out.args[out.n++] = out.token;
    }
    out.args[out.n++] = "XADD";
    out.args[out.n++] = key;
    if (trim.max_length) {
      out.length = std::to_string(*trim.max_length);
      out.args[out.n++] = "MAXLEN";
      out.args[out.n++] = trim.exact_length ? "=" : "~";
      out.args[out.n++] = out.length;
    } else if (trim.max_age) {
      out.oldest = oldest_kept(at);
      out.args[out.n++] = "MINID";
      out.args[out.n++] = trim.exact_age ? "=" : "~";
      out.args[out.n++] = out.oldest;
    }
    out.args[out.n++] = options.id;
    out.args[out.n++] = options.field;
    out.args[out.n++] = payload;
  }

  void add(Connection& connection, Lane& this_lane, std::string_view key, std::string_view payload) {
    Xadd command;
    xadd(command, this_lane, key, payload);
    connection.append(command.span());
    this_lane.in_flight.push_back(Owed::xadd);
    if (trims_twice()) {
      const std::string oldest = oldest_kept(this_lane);
      connection.append({"XTRIM", key, "MINID", options.trim.exact_age ? "=" : "~", oldest});
      this_lane.in_flight.push_back(Owed::xtrim);
    }
  }

  void append_wait(Connection& connection, Lane& this_lane) const {
    if (!replicas.enabled() || this_lane.since_wait == 0) {
      return;
    }
    replicas.append(connection);
    this_lane.in_flight.push_back(Owed::wait);
    this_lane.since_wait = 0;
  }

  // Entries added whose WAIT has not answered go to be added again, in
  // order, ahead of any refused after them.
  static void resend_held(Lane& this_lane) {
    std::move(this_lane.held_copies.begin(), this_lane.held_copies.end(), std::back_inserter(this_lane.again));
    this_lane.held_copies.clear();
    this_lane.held_ids.clear();
  }

  void take(std::size_t index, std::size_t keep_in_flight) {
    Lane& this_lane = lane(index);
    Connection& connection = link.connection(index);
    if (keep_in_flight == 0) {
      append_wait(connection, this_lane);
    }
    connection.flush();
    // After an error reply every reply still in flight is read all the
    // same: the entries behind it were added, and are counted.
    while (this_lane.in_flight.size() > (has_failed() || this_lane.failover ? 0 : keep_in_flight)) {
      take_reply(this_lane, connection, connection.read_reply());
    }
    fail_if_failed();
    if (this_lane.failover) {
      throw *this_lane.failover;
    }
  }

  void take_ready(std::size_t index) {
    Lane& this_lane = lane(index);
    Connection& connection = link.connection(index);
    append_wait(connection, this_lane);
    connection.flush();
    while (!this_lane.in_flight.empty()) {
      auto reply = connection.read_reply_until(Clock::now());
      if (!reply) {
        break;
      }
      take_reply(this_lane, connection, std::move(*reply));
    }
    if (has_failed() || this_lane.failover) {
      take(index, 0);
    }
  }

  void take_reply(Lane& answered, Connection& connection, Reply&& reply) {
    const Owed owed = answered.in_flight.front();
    answered.in_flight.pop_front();
    if (owed == Owed::wait) {
      return take_wait_reply(answered, connection, reply);
    }
    if (owed == Owed::xtrim) {
      if (reply.error_code == ServerError::ask && !answered.asked_key.empty()) {
        auto trimmed = trim_where_asked(answered, connection, reply);
        if (!trimmed) {
          return;
        }
        reply = std::move(*trimmed);
      }
      if (reply.type != Reply::Type::integer) {
        trim_refused(answered, connection, reply);
      }
      return;
    }
    answered.asked_key.clear();
    std::optional<EntryCopy> copy;
    if (heals()) {
      copy = std::move(answered.copies.front());
      answered.copies.pop_front();
    }
    if (copy && reply.error_code == ServerError::ask) {
      // The key has moved on in a migrating slot: this entry alone goes to
      // the node named, after ASKING. The entries behind it are ASKed in
      // turn, so the key keeps its order.
      try {
        Xadd command;
        xadd(command, answered, copy->key, copy->payload);
        reply = link.ask(reply, connection, command.span());
        answered.asked_key = copy->key;
      } catch (const Error& unreachable) {
        if (unreachable.kind() != ErrorKind::unavailable && !suggests_failover(unreachable)) {
          throw;
        }
        // Added again once the link has reconnected (never dropped).
        answered.again.push_back(std::move(*copy));
        if (!answered.failover) {
          answered.failover = unreachable;
        }
        return;
      }
    }
    if (reply.type != Reply::Type::string) {
      resend_held(answered);
      if (copy && reply.is_error() && suggests_failover(Error(reply, ""))) {
        answered.again.push_back(std::move(*copy));
        if (!answered.failover) {
          answered.failover = Error(reply, fmt::format("an entry was refused at {}", connection.where()));
        }
        return;
      }
      refused(reply, connection, "XADD");
      return;
    }
    if (!replicas.enabled()) {
      return acknowledge(std::move(reply.str));
    }
    answered.held_ids.push_back(std::move(reply.str));
    if (copy) {
      answered.held_copies.push_back(std::move(*copy));
    }
  }

  void acknowledge(std::string&& id) {
    ++acknowledged;
    link.progress();
    on_ack({acknowledged, 0, 0, std::move(id)}); // an ID of 16 characters or more is not copied
  }

  // A WAIT's answer: the entries before it acknowledged, or waited for
  // again, or (a failover: refused, the Sentinels name another master)
  // added again where the link points next; or the writer fails (the
  // replicas short past the give-up time).
  void take_wait_reply(Lane& answered, Connection& connection, const Reply& reply) {
    try {
      if (!replicas.confirmed(reply, connection, link.link())) {
        if (has_failed() || answered.failover) {
          resend_held(answered); // the lane is failing: no more waiting here
          return;
        }
        // Still held, and asked again: a WAIT confirms every write before it.
        replicas.append(connection);
        answered.in_flight.push_back(Owed::wait);
        return;
      }
    } catch (const Error& failure) {
      resend_held(answered);
      if (!suggests_failover(failure)) {
        keep_first(failure);
      } else if (!answered.failover) {
        answered.failover = failure;
      }
      return;
    }
    for (std::string& id : answered.held_ids) {
      acknowledge(std::move(id));
    }
    answered.held_ids.clear();
    answered.held_copies.clear();
  }

  // The XTRIM behind an ASKed XADD, sent where the entry went. The trim is
  // only a bound on age: nullopt when that node cannot be reached (the
  // failover that follows adds the entry, and trims, again).
  std::optional<Reply> trim_where_asked(const Lane& answered, const Connection& connection, const Reply& ask) {
    try {
      const std::string oldest = oldest_kept(answered);
      const std::array<std::string_view, 5> args = {"XTRIM", answered.asked_key, "MINID",
                                                    options.trim.exact_age ? "=" : "~", oldest};
      return link.ask(ask, connection, args);
    } catch (const Error& unreachable) {
      if (unreachable.kind() != ErrorKind::unavailable && !suggests_failover(unreachable)) {
        throw;
      }
      return std::nullopt;
    }
  }

  // The XTRIM behind an XADD refused for a failover (READONLY, MOVED,
  // CLUSTERDOWN, TRYAGAIN, an ASK whose target could not be reached) is
  // refused the same way: the failover is followed, and the entry added
  // (and trimmed) again where its key lives now. Only a trim refused for
  // another reason fails the writer.
  void trim_refused(Lane& answered, const Connection& connection, const Reply& reply) {
    if (reply.is_error() && (reply.error_code == ServerError::ask || suggests_failover(Error(reply, "")))) {
      if (!answered.failover) {
        answered.failover = Error(reply, fmt::format("a trim was refused at {}", connection.where()));
      }
      return;
    }
    refused(reply, connection, "XTRIM");
  }

  // An error reply that no reconnection mends (or an unexpected one): the
  // writer fails once every reply in flight is read.
  void refused(const Reply& reply, const Connection& connection, std::string_view command) {
    ++failed;
    if (!has_failed()) {
      const std::uint64_t message = acknowledged + failed;
      keep_first(reply.is_error() ? Error(reply, fmt::format("message {} failed at {}", message, connection.where()))
                                  : detail::unexpected_reply(connection.where(), command, reply));
    }
  }

  // take_ready() or finish on every lane that owes replies
  // (HealingPipeline::on_every_lane).
  void on_every_lane(void (Impl::*step)(std::size_t)) {
    HealingPipeline::on_every_lane([&](std::size_t i) {
      if (i >= lanes.size()) {
        return false;
      }
      if (!lanes[i].in_flight.empty()) {
        (this->*step)(i);
      }
      return true;
    });
  }

  void finish_lane(std::size_t index) { take(index, 0); }

  void check_failover() override { link.link().check_failover(); }

  // Entries whose WAIT had not answered, then those refused for a
  // failover, then those not answered: in order, lane by lane.
  std::vector<EntryCopy> take_unacknowledged() override {
    std::vector<EntryCopy> again;
    for (Lane& each : lanes) {
      resend_held(each);
      std::move(each.again.begin(), each.again.end(), std::back_inserter(again));
      std::move(each.copies.begin(), each.copies.end(), std::back_inserter(again));
    }
    lanes.clear();
    return again;
  }

  void drop_lanes() noexcept override { lanes.clear(); }

  bool recover(const Error& failure) override { return link.recover(failure); }

  void deliver_again(const EntryCopy& entry) override { add_entry(entry.key, entry.payload); }
};

StreamWriter::StreamWriter(const Endpoint& endpoint, std::string client_name, StreamWriterOptions options, OnAck on_ack)
    : impl_(std::make_unique<Impl>(endpoint, std::move(client_name), std::move(options), std::move(on_ack))) {}

StreamWriter::~StreamWriter() = default;

void StreamWriter::publish(std::string_view key, std::string_view payload) {
  impl_->fail_if_failed();
  ++impl_->sent;
  impl_->add_entry(key, payload);
}

void StreamWriter::retain(std::string_view, std::string_view, std::chrono::milliseconds) {
  throw Error(ErrorKind::usage, "a stream keeps every entry: there is no retained state to set");
}

void StreamWriter::send() {
  impl_->on_every_lane(&Impl::take_ready);
}

void StreamWriter::finish() {
  impl_->on_every_lane(&Impl::finish_lane);
}

std::uint64_t StreamWriter::sent() const noexcept {
  return impl_->sent;
}

std::uint64_t StreamWriter::acknowledged() const noexcept {
  return impl_->acknowledged;
}

void StreamWriter::set_wake_fd(int fd) noexcept {
  impl_->link.set_wake_fd(fd);
}

void StreamWriter::on_reconnect(std::function<void(const std::string& where)> callback) {
  impl_->link.on_reconnect([this, callback = std::move(callback)] { callback(impl_->link.where()); });
}

} // namespace statesync
