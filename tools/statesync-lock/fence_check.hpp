#pragma once
// --fence-check NAME TOKEN: for a script that writes somewhere that cannot
// check fencing tokens itself, whether TOKEN is still the lock's newest.
// A narrowing, not a guarantee: the lock may be taken over between this
// check and the write (statesync-pub --fenced checks in the write itself).

#include "options.hpp"

#include <statesync/link.hpp>

namespace statesync::tools {

// 0 while TOKEN is the newest fencing token handed out for NAME (no newer
// holder has taken it since); else one line on standard error naming both
// tokens, and the fenced status.
int fence_check(Link& link, const LockOptions& options);

} // namespace statesync::tools
