#pragma once

#include <statesync/export.hpp>

namespace statesync {

// The library's version, "MAJOR.MINOR.PATCH": a constant string, callable
// from any thread.
STATESYNC_API const char* version() noexcept;

} // namespace statesync
