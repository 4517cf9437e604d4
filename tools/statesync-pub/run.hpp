#pragma once
// statesync-pub's work once its options are parsed: reading the messages,
// publishing them through libstatesync, and the exit status.

#include "options.hpp"

#include <string>

namespace statesync::tools {

int run_pub(const PubOptions& options);

// -v's notice after a reconnection, publishing or adding stream entries.
std::string unacknowledged_sent_again(const std::string& where);

} // namespace statesync::tools
