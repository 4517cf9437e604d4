#pragma once
// Calls of lib/src/lock/lock.lua (see script.hpp) with the lock's thirteen keys.

#include <statesync/link.hpp>
#include <statesync/lock.hpp>

#include <initializer_list>
#include <string_view>
#include <vector>

namespace statesync::detail {

// The command's arguments: EVALSHA (cached) or EVAL, the script, the
// thirteen keys, then `args`. The views point into `keys`, `args` and the script.
std::vector<std::string_view> lock_script_call(bool cached, const LockKeys& keys,
                                               std::initializer_list<std::string_view> args);

// Runs the script on the server of the lock's key (redirections followed)
// and returns its reply, error replies included.
Reply run_lock_script(Link& link, const LockKeys& keys, std::initializer_list<std::string_view> args);

} // namespace statesync::detail
