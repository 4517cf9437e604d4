#pragma once
// A stream of messages into a Redis Cluster: each message goes to the
// owner of its slot (a sharded channel's, a retained state key's; a plain
// channel's too, which spreads the load and keeps each channel on one
// pipeline), over one pipelined PublishStream per node. Each channel's
// messages therefore keep their order. When a node fails over or a slot
// moves, the slot map is read again and every unacknowledged message is
// sent, in order, to its slot's owner now: at least once.

#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/publisher.hpp>

#include <memory>
#include <string>

namespace statesync {

class STATESYNC_API ClusterPublishStream final : public MessageStream {
public:
  // `seed`: any node of the cluster (its settings are every node's); its
  // slot map is read at once (Error(unavailable) when no node answers).
  // Acknowledgements are numbered in the order they arrive, across nodes.
  ClusterPublishStream(const Endpoint& seed, std::string client_name, PublisherOptions options, OnAck on_ack,
                       StreamWindow window = {});
  ClusterPublishStream(const ClusterPublishStream&) = delete;
  ClusterPublishStream& operator=(const ClusterPublishStream&) = delete;
  ~ClusterPublishStream() override;

  void publish(std::string_view channel, std::string_view payload) override;
  void retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {}) override;
  void send() override;
  void finish() override;
  std::uint64_t sent() const noexcept override;
  std::uint64_t acknowledged() const noexcept override;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
