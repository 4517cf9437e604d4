#pragma once
// --check NAME --max-age D: a check for Nagios, Icinga, Sensu, Zabbix and
// Checkmk, by the monitoring-plugins conventions: one line of text, then
// performance data after '|', and the exit status the monitoring system
// reads (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).

#include "options.hpp"

#include <statesync/link.hpp>
#include <statesync/lock_history.hpp>

#include <string>

namespace statesync::tools {

enum CheckState : int { check_ok = 0, check_warning = 1, check_critical = 2, check_unknown = 3 };

struct CheckResult {
  CheckState state = check_unknown;
  std::string line; // "OK - ...| perfdata", without a newline
};

// The verdict on `history` (runs only, newest first) at server time
// `now_ms`. No I/O.
CheckResult judge_runs(const LockOptions& options, const LockHistory& history, long long now_ms);

// Reads the lock's history through `link` (connecting first), prints the
// verdict's line on standard output and returns its state; a server that
// cannot be reached or answers with an error is UNKNOWN, as the
// conventions ask (not 69).
int check_lock(Link& link, const LockOptions& options);

} // namespace statesync::tools
