// The record stream: one pipeline per server the link routes to, and the
// healing that sends what a lost connection or a failover left
// unacknowledged to where it belongs now.

#include "pubsub/stream_lane.hpp"

#include "topology/failover.hpp"
#include <statesync/cluster.hpp>
#include <statesync/error.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>

#include <fmt/format.h>

#include <memory>
#include <vector>

namespace statesync {

struct RecordStream::Impl {
  Link& link;
  PublisherOptions options;
  OnAck on_ack;
  StreamWindow window;
  std::vector<std::unique_ptr<detail::StreamLane>> lanes;
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0; // on every lane, also those closed
  std::optional<Error> error;

  Impl(Link& l, PublisherOptions o, OnAck acked, StreamWindow w)
      : link(l), options(std::move(o)), on_ack(std::move(acked)), window(w) {}

  // Whether copies are worth keeping: only a link that cannot reconnect
  // never sends anything again.
  bool heals() const { return link.options().reconnect.enabled || link.topology() != Topology::standalone; }

  void acknowledge(Acknowledgement ack) {
    ack.message = ++acknowledged;
    link.progress();
    on_ack(ack);
  }

  // The key whose slot a message goes to: the state key's for a retained
  // message (the script runs there), else the channel's.
  std::string routing_key(bool retained, std::string_view channel) const {
    if (!retained) {
      return std::string(channel);
    }
    if (options.sharded && link.topology() == Topology::cluster &&
        key_slot(retained_state_key(options.key_prefix, channel)) != key_slot(channel)) {
      // The script publishes from the state key's node, which serves only
      // its own slots' sharded channels.
      throw Error(ErrorKind::usage,
                  fmt::format("in a cluster, a retained sharded channel needs its state key in its slot: give "
                              "'{}' a {{hash tag}}",
                              channel));
    }
    return retained_state_key(options.key_prefix, channel);
  }

  detail::StreamLane& lane_for(std::string_view key) {
    Connection& connection = link.connection(key);
    for (const auto& lane : lanes) {
      if (&lane->connection() == &connection) {
        return *lane;
      }
    }
    lanes.push_back(std::make_unique<detail::StreamLane>(
        link, connection, options, [this](Acknowledgement ack) { acknowledge(ack); }, acknowledged, window, heals()));
    return *lanes.back();
  }

  void deliver(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
    for (;;) {
      if (error) {
        throw *error;
      }
      detail::StreamLane* lane = nullptr;
      std::uint64_t before = 0;
      try {
        link.check_failover();
        lane = &lane_for(routing_key(retained, channel));
        before = lane->put_count();
        lane->put(retained, channel, payload, ttl);
        return;
      } catch (const Error& failure) {
        const bool taken = lane && heals() && lane->put_count() != before;
        heal(failure);
        if (taken) {
          return; // it was among the unacknowledged, sent again
        }
      }
    }
  }

  // send() or finish() on every lane; a lane that fails heals the stream,
  // and the lanes are gone through again (they are new).
  void on_every_lane(void (detail::StreamLane::*operation)()) {
    if (error) {
      throw *error;
    }
    for (std::size_t i = 0; i < lanes.size();) {
      try {
        link.check_failover();
        ((*lanes[i]).*operation)();
        ++i;
      } catch (const Error& failure) {
        heal(failure);
        i = 0;
      }
    }
  }

  [[noreturn]] void fail(const Error& failure) {
    error = failure;
    lanes.clear();
    throw failure;
  }

  // A lost connection or a failover: the link connects again (or says it
  // cannot), and every unacknowledged message goes, in order, to where
  // its slot is now. The connections are all new: every lane's copies are
  // taken, also those of lanes that had not failed (at least once).
  void heal(const Error& failure) {
    if (!heals() || !suggests_failover(failure)) {
      fail(failure);
    }
    std::vector<detail::PendingMessage> again;
    for (const auto& lane : lanes) {
      for (auto& message : lane->take_unacknowledged()) {
        again.push_back(std::move(message));
      }
    }
    lanes.clear();
    try {
      if (!link.recover(failure)) {
        fail(Error(ErrorKind::unavailable, fmt::format("{}; interrupted while reconnecting", failure.what())));
      }
    } catch (const Error& final) {
      if (!error) {
        fail(final);
      }
      throw;
    }
    for (const auto& message : again) {
      deliver(message.retained, message.channel, message.payload, message.ttl);
    }
  }
};

RecordStream::RecordStream(Link& link, PublisherOptions options, OnAck on_ack, StreamWindow window)
    : impl_(std::make_unique<Impl>(link, std::move(options), std::move(on_ack), window)) {
  if (impl_->options.fence) {
    // Pipelined messages are not checked one by one: a fence would be
    // ignored, so it is refused (Publisher writes fenced messages).
    throw Error(ErrorKind::usage, "a record stream does not take a fence: publish fenced messages with a Publisher");
  }
  if (link.topology() == Topology::cluster) {
    // Now, not with the first message: a stream that waits for its input
    // learns at once that the cluster cannot be reached.
    link.connect();
  }
}

RecordStream::~RecordStream() = default;

void RecordStream::publish(std::string_view channel, std::string_view payload) {
  ++impl_->sent;
  impl_->deliver(false, channel, payload, {});
}

void RecordStream::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  ++impl_->sent;
  impl_->deliver(true, channel, payload, ttl);
}

void RecordStream::send() {
  impl_->on_every_lane(&detail::StreamLane::send);
}

void RecordStream::finish() {
  impl_->on_every_lane(&detail::StreamLane::finish);
}

std::uint64_t RecordStream::sent() const noexcept {
  return impl_->sent;
}

std::uint64_t RecordStream::acknowledged() const noexcept {
  return impl_->acknowledged;
}

} // namespace statesync
