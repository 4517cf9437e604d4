#pragma once
// The run form: acquire (waiting as asked), run the command under the
// lock, release (or hold), and the exit status of it all.

#include "options.hpp"

#include <statesync/link.hpp>

namespace statesync::tools {

int run_locked(Link& link, const LockOptions& options);

} // namespace statesync::tools
