#pragma once
// The run form: acquire (waiting as asked), run the command under the
// lock, release (or hold), and the exit status of it all.

#include "options.hpp"

#include <statesync/connection.hpp>

namespace statesync::tools {

int run_locked(Connection& connection, const LockOptions& options);

} // namespace statesync::tools
