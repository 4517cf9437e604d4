#pragma once
// --fenced and --fence NAME:TOKEN: writes that only the lock's newest
// holder may make (see Fence in publisher.hpp).

#include "options.hpp"

#include <statesync/publisher.hpp>

#include <optional>

namespace statesync::tools {

// The fence the options ask for: --fence's NAME:TOKEN, or --fenced's
// STATESYNC_LOCK_NAME and STATESYNC_LOCK_TOKEN (as statesync-lock gives
// them to its command). nullopt: not fenced. Throws Error(usage) for a
// missing variable or a value that does not parse.
std::optional<Fence> fence_for(const PubOptions& options);

} // namespace statesync::tools
