#pragma once
// The Lua scripts in lib/src/*.lua, embedded at build time by
// cmake/EmbedLua.cmake: one std::string_view per file, named after it.

#include <string_view>

namespace statesync::detail::lua {} // namespace statesync::detail::lua
