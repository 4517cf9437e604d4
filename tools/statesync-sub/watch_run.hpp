#pragma once
// statesync-sub --watch: the key watcher's changes printed, or a command
// run for each, with -C, -w, --idle and --debounce deciding when to act
// and when to stop.

#include "options.hpp"

namespace statesync::tools {

// Runs until a stop condition or a signal; returns the exit status.
// Throws Error as the watcher does.
int run_watch(const SubOptions& options);

} // namespace statesync::tools
