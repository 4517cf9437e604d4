// The record stream: one pipeline per server the link routes to, and the
// healing that sends what a lost connection or a failover left
// unacknowledged to where it belongs now.

#include "pubsub/healing_pipeline.hpp"
#include "pubsub/stream_lane.hpp"

#include <statesync/cluster.hpp>
#include <statesync/error.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>

#include <fmt/format.h>

#include <memory>
#include <vector>

namespace statesync {

// Hidden: its vtable (HealingPipeline's hooks) is not part of the library's ABI.
struct __attribute__((visibility("hidden"))) RecordStream::Impl final
    : detail::HealingPipeline<detail::PendingMessage> {
  Link& link;
  PublisherOptions options;
  OnAck on_ack;
  StreamWindow window;
  std::vector<std::unique_ptr<detail::StreamLane>> lanes;
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0; // on every lane, also those closed

  // Copies are worth keeping unless the link cannot reconnect.
  Impl(Link& l, PublisherOptions o, OnAck acked, StreamWindow w)
      : HealingPipeline(l.options().reconnect.enabled || l.topology() != Topology::standalone), link(l),
        options(std::move(o)), on_ack(std::move(acked)), window(w) {}

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
        link, connection, options, [this](Acknowledgement ack) { acknowledge(ack); }, acknowledged, window, heals(),
        copies_taken()));
    return *lanes.back();
  }

  void put(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
    deliver([&] { lane_for(routing_key(retained, channel)).put(retained, channel, payload, ttl); });
  }

  // send() or finish() on every lane (HealingPipeline::on_every_lane).
  void on_every_lane(void (detail::StreamLane::*operation)()) {
    HealingPipeline::on_every_lane([&](std::size_t i) {
      if (i >= lanes.size()) {
        return false;
      }
      ((*lanes[i]).*operation)();
      return true;
    });
  }

  void check_failover() override { link.check_failover(); }

  std::vector<detail::PendingMessage> take_unacknowledged() override {
    std::vector<detail::PendingMessage> again;
    for (const auto& lane : lanes) {
      for (auto& message : lane->take_unacknowledged()) {
        again.push_back(std::move(message));
      }
    }
    lanes.clear();
    return again;
  }

  void drop_lanes() noexcept override { lanes.clear(); }

  bool recover(const Error& failure) override { return link.recover(failure); }

  void deliver_again(const detail::PendingMessage& message) override {
    put(message.retained, message.channel, message.payload, message.ttl);
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
  impl_->put(false, channel, payload, {});
}

void RecordStream::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  ++impl_->sent;
  impl_->put(true, channel, payload, ttl);
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
