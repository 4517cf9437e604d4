#pragma once
// The operators' forms: --status NAME, --list [PATTERN], --release NAME,
// --history NAME,
// as text lines or (--json) JSON, on standard output.

#include "options.hpp"

#include <statesync/link.hpp>
#include <statesync/lock.hpp>

#include <string>

namespace statesync::tools {

// One line per holder ("NAME held by host:pid since ... (fencing token
// 7, for 12.0s, 18.0s left)"), or "NAME free (last fencing token 7)".
std::string status_text(const LockStatus& status);
// One JSON object, without a newline; `more` (JSON members) goes inside.
std::string status_json(const LockStatus& status, std::string_view more = {});

// Runs the form options.mode names; returns the exit status: --status 0
// held, 1 free; --release 0 released, 1 was not held; --list and
// --history 0.
int inspect(Link& link, const LockOptions& options);

} // namespace statesync::tools
