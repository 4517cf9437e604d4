#include "util/warnings.hpp"

#include <statesync/warnings.hpp>

#include <atomic>

namespace statesync {
namespace {

std::atomic<WarningHandler> handler{nullptr};

} // namespace

void set_warning_handler(WarningHandler h) noexcept {
  handler.store(h);
}

namespace detail {

void warn(std::string_view message) {
  if (const WarningHandler h = handler.load()) {
    h(message);
  }
}

} // namespace detail
} // namespace statesync
