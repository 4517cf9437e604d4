#include <statesync/failover.hpp>

#include <string_view>

namespace statesync {
namespace {

// The server's words are quoted at the end of the message: ": MOVED ...".
bool quotes_server_error(const Error& error, std::string_view word) {
  const std::string_view what = error.what();
  return what.find(word) != std::string_view::npos;
}

} // namespace

bool suggests_failover(const Error& error) noexcept {
  if (error.kind() == ErrorKind::unavailable) {
    return true;
  }
  if (error.kind() != ErrorKind::server) {
    return false;
  }
  for (const std::string_view word : {": READONLY ", ": MOVED ", ": CLUSTERDOWN ", ": TRYAGAIN "}) {
    if (quotes_server_error(error, word)) {
      return true;
    }
  }
  return false;
}

bool is_cluster_redirection(const Error& error) noexcept {
  return error.kind() == ErrorKind::server && quotes_server_error(error, ": MOVED ");
}

bool is_slot_migrating(const Error& error) noexcept {
  return error.kind() == ErrorKind::server && quotes_server_error(error, ": TRYAGAIN ");
}

} // namespace statesync
