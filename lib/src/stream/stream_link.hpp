#pragma once
// The one seam between the stream writer and reader and the servers:
// opening connections, routing a key to the server that holds it (its
// slot's owner in a cluster; the master the Sentinels name), and starting
// over after a failure. It stands in for the library's per-endpoint link;
// when that lands, this file is what changes.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {
class SlotMap;
}

namespace statesync::detail {

class StreamLink {
public:
  StreamLink(Endpoint endpoint, std::string client_name);
  StreamLink(StreamLink&&) noexcept;
  StreamLink& operator=(StreamLink&&) noexcept;
  ~StreamLink();

  // Which server holds `key`: keys with the same number share a server
  // and a connection. Reads a cluster's slot map when it has none.
  std::size_t server_for(std::string_view key);
  // The connection to server `index`, opened on first use.
  Connection& connection(std::size_t index);
  Connection& connection_for(std::string_view key) { return connection(server_for(key)); }

  // Forgets every connection and the slot map: the next call connects
  // again, to where the keys are now (after a failover, a restart).
  void reset() noexcept;

  void set_wake_fd(int fd) noexcept { wake_fd_ = fd; }
  const Endpoint& endpoint() const noexcept { return endpoint_; }

private:
  Endpoint endpoint_;
  std::string client_name_;
  int wake_fd_ = -1;
  std::unique_ptr<SlotMap> map_;                  // cluster only
  std::vector<std::optional<Connection>> opened_; // per server index
};

} // namespace statesync::detail
