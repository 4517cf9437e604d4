#include "lock/fence.hpp"

#include "util/printable.hpp"

#include <statesync/cluster.hpp>
#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

namespace statesync::detail {

std::string fence_counter_key(Topology topology, const Fence& fence, std::string_view written) {
  std::string key = lock_keys(fence.lock_prefix, fence.lock).fence;
  if (!written.empty() && topology == Topology::cluster && key_slot(written) != key_slot(key)) {
    throw Error(ErrorKind::usage,
                fmt::format("a fenced write in a cluster must be in the lock's slot: '{}' is in slot {}, lock '{}' in "
                            "slot {}; give the name the lock's hash tag {{{}}}",
                            printable(written), key_slot(written), printable(fence.lock), key_slot(key),
                            printable(fence.lock)));
  }
  return key;
}

} // namespace statesync::detail
