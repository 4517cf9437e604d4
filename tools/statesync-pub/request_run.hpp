#pragma once
// statesync-pub --request: each message is a request; its replies are
// printed as they come, and the exit status says whether every receiver
// answered.

#include "options.hpp"

#include <statesync/link.hpp>

namespace statesync::tools {

int run_requests(const PubOptions& options, const PubPlan& plan, Link& link);

} // namespace statesync::tools
