#pragma once
// --jitter: a random wait before the first attempt, so that hosts firing
// the same crontab minute reach the server spread over the interval
// (systemd's RandomizedDelaySec, for cron).

#include <chrono>
#include <optional>
#include <string_view>

namespace statesync::tools {

// Waits a random time from 0 to `most` (shown with -v). A relayed signal
// ends it: its exit status (128+N); nullopt once the time has passed.
// Signals must already be caught.
std::optional<int> wait_jitter(std::string_view name, std::chrono::milliseconds most);

} // namespace statesync::tools
