#pragma once
// Fenced writes (publisher.hpp's Fence): where the lock's fencing counter
// is, and whether one script can read it and write a key.

#include <statesync/endpoint.hpp>
#include <statesync/publisher.hpp>

#include <string>
#include <string_view>

namespace statesync::detail {

// The lock's fencing counter key. In a cluster `written` (a key or a
// sharded channel; empty: none) must be in the counter's slot, as one
// script touches one slot: else Error(usage), saying how to tag it.
std::string fence_counter_key(Topology topology, const Fence& fence, std::string_view written);

} // namespace statesync::detail
