#include "topology/failover.hpp"

namespace statesync {

bool suggests_failover(const Error& error) noexcept {
  switch (error.server_error()) {
  case ServerError::readonly:
  case ServerError::unblocked:
  case ServerError::moved:
  case ServerError::clusterdown:
  case ServerError::tryagain:
    return true;
  default:
    return error.kind() == ErrorKind::unavailable;
  }
}

bool is_cluster_redirection(const Error& error) noexcept {
  return error.server_error() == ServerError::moved;
}

bool is_slot_migrating(const Error& error) noexcept {
  return error.server_error() == ServerError::tryagain;
}

} // namespace statesync
