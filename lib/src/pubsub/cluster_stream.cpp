// A cluster stream: one pipelined PublishStream per slot owner, and the
// failover that sends what one of them did not get acknowledged to where
// its slots are now.

#include "topology/failover_retry.hpp"

#include "topology/slot_map.hpp"

#include <statesync/cluster.hpp>
#include <statesync/cluster_stream.hpp>
#include <statesync/error.hpp>
#include <statesync/failover.hpp>
#include <statesync/retained.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>

namespace statesync {
namespace {

// Failovers in a row without an acknowledgement in between: then the
// cluster is not coming back, and the last failure is the answer.
constexpr int max_failovers = 5;

} // namespace

struct ClusterPublishStream::Impl {
  // One node's pipeline. Held by pointer: its publisher and stream refer
  // to its connection.
  struct Lane {
    Connection connection;
    Publisher publisher;
    PublishStream stream;

    Lane(Connection opened, const PublisherOptions& options, OnAck on_ack, StreamWindow window)
        : connection(std::move(opened)), publisher(connection, options), stream(publisher, std::move(on_ack), window) {}
  };

  Endpoint seed;
  std::string client_name;
  PublisherOptions options;
  OnAck on_ack;
  StreamWindow window;
  std::optional<detail::SlotMap> map; // nullopt: to be read again
  std::vector<Endpoint> nodes;        // last known, to ask if the seed is down
  std::vector<std::unique_ptr<Lane>> lanes;
  std::array<Lane*, cluster_slots> lane_of_slot{}; // as the map says; nullptr: to be looked up
  std::uint64_t sent = 0;
  std::uint64_t acknowledged = 0; // on every lane, also those closed
  std::uint64_t acknowledged_at_failover = 0;
  int failovers = 0;

  Impl(const Endpoint& seed_node, std::string name, PublisherOptions publisher_options, OnAck acked,
       StreamWindow stream_window)
      : seed(seed_node), client_name(std::move(name)), options(std::move(publisher_options)), on_ack(std::move(acked)),
        window(stream_window) {
    seed.topology = Topology::standalone;
    // Copies are what a failover sends again.
    window.resumable = true;
  }

  void acknowledge(Acknowledgement ack) {
    ack.message = ++acknowledged;
    on_ack(ack);
  }

  void read_map_if_needed() {
    if (!map) {
      // The seed first, then the nodes last seen, in case the seed is down.
      std::vector<Endpoint> seeds{seed};
      seeds.insert(seeds.end(), nodes.begin(), nodes.end());
      map = detail::read_slot_map(seeds, client_name);
      nodes = map->nodes();
    }
  }

  Lane& lane_for(bool retained, std::string_view channel) {
    const int slot = retained ? key_slot(retained_state_key(options.key_prefix, channel)) : key_slot(channel);
    if (retained && options.sharded && slot != key_slot(channel)) {
      // The script publishes from the state key's node, which serves only
      // its own slots' sharded channels.
      throw Error(ErrorKind::usage,
                  fmt::format("in a cluster, a retained sharded channel needs its state key in its slot: give "
                              "'{}' a {{hash tag}}",
                              channel));
    }
    if (Lane* known = lane_of_slot[static_cast<std::size_t>(slot)]) {
      return *known;
    }
    Lane& lane = detail::retry_during_failover(seed, [&]() -> Lane& {
      read_map_if_needed();
      const Endpoint& owner = map->nodes()[detail::owner_or_throw(*map, slot, seed)];
      for (const auto& existing : lanes) {
        if (existing->connection.where() == owner.where()) {
          return *existing;
        }
      }
      try {
        lanes.push_back(std::make_unique<Lane>(
            Connection::open(owner, client_name), options, [this](const Acknowledgement& ack) { acknowledge(ack); },
            window));
      } catch (const Error&) {
        map.reset(); // the owner may have failed over
        throw;
      }
      return *lanes.back();
    });
    lane_of_slot[static_cast<std::size_t>(slot)] = &lane;
    return lane;
  }

  void deliver(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
    for (;;) {
      Lane& lane = lane_for(retained, channel);
      const std::uint64_t before = lane.stream.sent();
      try {
        if (retained) {
          lane.stream.retain(channel, payload, ttl);
        } else {
          lane.stream.publish(channel, payload);
        }
        return;
      } catch (const Error& error) {
        const bool taken = lane.stream.sent() != before;
        fail_over(lane, error);
        if (taken) {
          return; // it was among the unacknowledged, sent again
        }
      }
    }
  }

  // send() or finish() on every lane; a lane that fails is failed over,
  // and the lanes are gone through again (some may be new).
  void on_every_lane(void (PublishStream::*operation)()) {
    for (std::size_t i = 0; i < lanes.size();) {
      Lane& lane = *lanes[i];
      try {
        (lane.stream.*operation)();
        ++i;
      } catch (const Error& error) {
        fail_over(lane, error);
        i = 0;
      }
    }
  }

  // The lane's node failed over or gave its slot away (MOVED): the map is
  // read again and its unacknowledged messages go, in order, to their
  // slots' owners now. Anything else is the stream's failure.
  void fail_over(Lane& lane, const Error& error) {
    if (!suggests_failover(error)) {
      throw error;
    }
    if (acknowledged != acknowledged_at_failover) {
      failovers = 0;
    }
    acknowledged_at_failover = acknowledged;
    if (++failovers > max_failovers) {
      throw error;
    }
    const std::deque<PendingMessage> again = lane.stream.take_unacknowledged();
    std::erase_if(lanes, [&](const auto& held) { return held.get() == &lane; });
    map.reset();
    lane_of_slot.fill(nullptr);
    for (const PendingMessage& message : again) {
      deliver(message.retained, message.channel, message.payload, message.ttl);
    }
  }
};

ClusterPublishStream::ClusterPublishStream(const Endpoint& seed, std::string client_name, PublisherOptions options,
                                           OnAck on_ack, StreamWindow window)
    : impl_(std::make_unique<Impl>(seed, std::move(client_name), std::move(options), std::move(on_ack), window)) {
  // Now, not with the first message: a stream that waits for its input
  // learns at once that the cluster cannot be reached.
  detail::retry_during_failover(impl_->seed, [&] { impl_->read_map_if_needed(); });
}

ClusterPublishStream::~ClusterPublishStream() = default;

void ClusterPublishStream::publish(std::string_view channel, std::string_view payload) {
  ++impl_->sent;
  impl_->deliver(false, channel, payload, {});
}

void ClusterPublishStream::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  ++impl_->sent;
  impl_->deliver(true, channel, payload, ttl);
}

void ClusterPublishStream::send() {
  impl_->on_every_lane(&PublishStream::send);
}

void ClusterPublishStream::finish() {
  impl_->on_every_lane(&PublishStream::finish);
}

std::uint64_t ClusterPublishStream::sent() const noexcept {
  return impl_->sent;
}

std::uint64_t ClusterPublishStream::acknowledged() const noexcept {
  return impl_->acknowledged;
}

} // namespace statesync
