#pragma once
// statesync-pub's work once its options are parsed: reading the messages,
// publishing them through libstatesync, and the exit status.

#include "options.hpp"

namespace statesync::tools {

int run_pub(const PubOptions& options);

} // namespace statesync::tools
