#include <statesync/endpoint.hpp>

#include <fmt/format.h>

namespace statesync {

std::string Endpoint::where() const {
  if (topology == Topology::sentinel) {
    std::string via;
    for (const auto& sentinel : sentinels) {
      via += fmt::format("{}{}:{}", via.empty() ? "" : ",", sentinel.host, sentinel.port);
    }
    return fmt::format("master '{}' (Sentinel {})", master_name, via);
  }
  if (!socket_path.empty()) {
    return socket_path;
  }
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

} // namespace statesync
