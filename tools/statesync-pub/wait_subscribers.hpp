#pragma once
// --wait-subscribers: before publishing, wait for --require-subscribers N
// clients to listen on the channel, so that a script that has just started
// a subscriber need not guess when it is ready.

#include "options.hpp"

#include <statesync/connection.hpp>

namespace statesync::tools {

// Checks what --wait-subscribers needs (Error(usage) otherwise): one
// channel, one server to ask.
void check_wait_subscribers(const PubOptions& options, const PubPlan& plan, bool cluster);

// Waits as the options say (nothing without --wait-subscribers); a signal
// ends the wait early and the caller looks at it.
void wait_subscribers(const PubOptions& options, const PubPlan& plan, Connection& connection);

} // namespace statesync::tools
