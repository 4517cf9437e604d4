#include "pubsub/retained_index.hpp"

#include <statesync/cluster.hpp>
#include <statesync/retained.hpp>

#include <array>
#include <string>

namespace statesync::detail {
namespace {

constexpr int slot_count = 16384;

// For each slot, the smallest number whose decimal text hashes to it: a
// hash tag that puts a key in that slot. Found once, by counting up.
const std::array<std::string, slot_count>& slot_tags() {
  static const std::array<std::string, slot_count> tags = [] {
    std::array<std::string, slot_count> found;
    for (int n = 0, missing = slot_count; missing > 0; ++n) {
      std::string text = std::to_string(n);
      std::string& tag = found[static_cast<std::size_t>(key_slot(text))];
      if (tag.empty()) {
        tag = std::move(text);
        --missing;
      }
    }
    return found;
  }();
  return tags;
}

} // namespace

std::string retained_slot_index_key(std::string_view prefix, std::string_view state_key) {
  const auto& tag = slot_tags()[static_cast<std::size_t>(key_slot(state_key))];
  return retained_index_key(prefix).append(":{").append(tag).append("}");
}

} // namespace statesync::detail
