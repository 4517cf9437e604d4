#pragma once
// The run history's side of lock.lua: checking a spec's history and
// --once-per settings, and reading the script's records and window replies.

#include <statesync/lock.hpp>
#include <statesync/lock_history.hpp>
#include <statesync/reply.hpp>

#include <string_view>

namespace statesync::detail {

// Error(usage) for a negative history length or window, or a window on a
// semaphore (its runs overlap, so "once" has no meaning there).
void check_history_spec(const LockSpec& spec);

// acquire's {-2, start ms, "pid host", ms left in the window}.
WindowRun parse_window_run(const Reply& reply, std::string_view what);

// One stream entry, {id, {field, value, ...}}, as lock.lua writes it.
RunRecord parse_run_record(const Reply& entry, std::string_view what);

} // namespace statesync::detail
