// Streams' way to their servers: a cluster through its slot map, anything
// else through Connection::open (which follows Sentinel).

#include "stream/stream_link.hpp"

#include "topology/failover_retry.hpp"

#include <statesync/cluster.hpp>

namespace statesync::detail {

StreamLink::StreamLink(Endpoint endpoint, std::string client_name)
    : endpoint_(std::move(endpoint)), client_name_(std::move(client_name)) {}
StreamLink::StreamLink(StreamLink&&) noexcept = default;
StreamLink& StreamLink::operator=(StreamLink&&) noexcept = default;
StreamLink::~StreamLink() = default;

std::size_t StreamLink::server_for(std::string_view key) {
  if (endpoint_.topology != Topology::cluster) {
    return 0;
  }
  if (!map_) {
    map_ = std::make_unique<SlotMap>(
        retry_during_failover(endpoint_, [&] { return read_slot_map({endpoint_}, client_name_); }));
  }
  return owner_or_throw(*map_, key_slot(key), endpoint_);
}

Connection& StreamLink::connection(std::size_t index) {
  if (opened_.size() <= index) {
    opened_.resize(index + 1);
  }
  if (!opened_[index]) {
    Endpoint where = endpoint_;
    if (map_) {
      where = map_->nodes().at(index);
      where.topology = Topology::standalone;
    }
    opened_[index].emplace(Connection::open(where, client_name_));
    opened_[index]->set_wake_fd(wake_fd_);
  }
  return *opened_[index];
}

void StreamLink::reset() noexcept {
  map_.reset();
  opened_.clear();
}

} // namespace statesync::detail
