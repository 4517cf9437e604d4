#include <statesync/failover.hpp>

#include <string_view>

namespace statesync {

bool suggests_failover(const Error& error) noexcept {
  if (error.kind() == ErrorKind::unavailable) {
    return true;
  }
  if (error.kind() != ErrorKind::server) {
    return false;
  }
  // The server's words are quoted at the end of the message.
  const std::string_view what = error.what();
  for (const std::string_view word : {": READONLY ", ": MOVED ", ": CLUSTERDOWN ", ": TRYAGAIN "}) {
    if (what.find(word) != std::string_view::npos) {
      return true;
    }
  }
  return false;
}

} // namespace statesync
