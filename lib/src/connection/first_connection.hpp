#pragma once
// One rule for every entry point's first connection: a server that is not
// up yet is waited for as a lost one would be when the caller set a
// give-up time (--give-up); without one, the failure is the answer at once.

#include <statesync/error.hpp>
#include <statesync/link.hpp>

namespace statesync::detail {

inline bool first_connection_waits(const ReconnectPolicy& policy, const Error& error) noexcept {
  return error.kind() == ErrorKind::unavailable && policy.enabled && policy.give_up_after.has_value();
}

} // namespace statesync::detail
