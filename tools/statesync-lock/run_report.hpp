#pragma once
// After a run (or a refusal): its record in the lock's history, written
// with the release, and --metrics-file.

#include "metrics_file.hpp"
#include "options.hpp"
#include "supervise.hpp"

#include <statesync/lock.hpp>

#include <chrono>

namespace statesync::tools {

// The lock's spec from the options: name, lease, limit, host, history,
// --once-per.
LockSpec lock_spec(const LockOptions& options);

// How the command ended, for its record.
RunEnd run_end(const SupervisionResult& result);

// Records the run and releases (or holds) the lock. Returns what the lock
// answered. A failure is only a warning (the lease ends on its own), and
// the run then counts as released; after a loss, it is not even that.
// After a signal (`relayed_signal`), the server's reply is waited for at
// most a second or what is left of the lease, whichever is shorter: the
// user asked to stop, and the lease ends on its own anyway.
FinishedRun finish_run(Lock& lock, const RunEnd& end, std::chrono::milliseconds hold, int relayed_signal = 0);

// --metrics-file (`metrics`, when given) after a run that ended with
// `exit_status`.
void report_run_metrics(MetricsFile* metrics, const LockOptions& options, const Lock& lock, const FinishedRun& done,
                        int exit_status, bool lost);

// The record of a refusal (-n, or -w's time up) or of a --once-per skip
// (`refused` has a window_run), and --metrics-file.
void report_refusal(MetricsFile* metrics, Lock& lock, const LockOptions& options, const Attempt& refused);

} // namespace statesync::tools
