#pragma once
// The readers' one rule for a gap: after a lost connection, a failover, or
// a slot that moved or is still moving (ASK), everything is read again
// wherever it lives now. The link follows MOVED but knows no ASK, so a
// reader waits a migration out as it would a lost connection: each attempt
// that meets ASK is a failed one, until the move ends in a MOVED.

#include "topology/failover.hpp"

#include <statesync/error.hpp>

namespace statesync::detail {

inline bool is_reader_gap(const Error& error) {
  return suggests_failover(error) || error.server_error() == ServerError::ask;
}

// `error` as the link's reconnecting takes a failed attempt: ASK as a lost
// connection (unavailable), anything else as it is.
inline Error as_failed_attempt(const Error& error) {
  return error.server_error() == ServerError::ask ? Error(ErrorKind::unavailable, error.what()) : error;
}

} // namespace statesync::detail
