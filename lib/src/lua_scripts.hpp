#pragma once
// The Lua scripts in lib/src/*.lua, embedded at build time by
// cmake/EmbedLua.cmake: one std::string_view per file, named after it.

#include <string_view>

namespace statesync::detail::lua {
extern const std::string_view retain_publish;    // publisher: store state, bump version, publish
extern const std::string_view clear_retained;    // publisher: delete state, publish an empty message
extern const std::string_view lock;              // lock and semaphore: every operation (lock.hpp)
extern const std::string_view retained_matching; // subscriber: the retained states a pattern matches
} // namespace statesync::detail::lua
