#pragma once
// Where the retain and clear scripts keep a cluster's index of retained
// channels: a script may only touch keys of one slot, so each slot has its
// own index, named with a hash tag that hashes to that slot.

#include <string>
#include <string_view>

namespace statesync::detail {

// <prefix>retained:{tag}, in the slot of `state_key`.
std::string retained_slot_index_key(std::string_view prefix, std::string_view state_key);

} // namespace statesync::detail
