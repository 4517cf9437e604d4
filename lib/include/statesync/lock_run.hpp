#pragma once
// How a run under a lock ends, as its holder tells it, and what the lock
// answers: the types Lock needs from the run history (lock_history.hpp).

#include <statesync/export.hpp>

#include <chrono>
#include <string>
#include <string_view>

namespace statesync {

// Run records a lock keeps unless LockSpec::history_len says otherwise.
inline constexpr int default_history_len = 1000;

// How a run under a lock ended (its history record's outcome).
enum class RunOutcome {
  ok,       // the command exited 0
  failed,   // the command exited non-zero (or could not be run)
  signal,   // the command died of a signal
  lost,     // the lock was lost while the command ran
  vanished, // the holder vanished: its lease ended without a record
  refused,  // not acquired (-n, or the wait's time ran out)
  released, // released by a library user that gave no outcome
  skipped,  // not run: its --once-per window had run already
};

// "ok", "failed" ...: the outcome as its enumerator is spelled. No throw.
STATESYNC_API std::string_view outcome_name(RunOutcome outcome);

// How a run ended, as its holder tells it.
struct STATESYNC_API RunEnd {
  RunOutcome outcome = RunOutcome::ok; // how it ended
  int exit_status = 0;                 // failed: the command's status
  int signal = 0;                      // signal: the signal's number
  bool max_runtime_hit = false;        // stopped at its maximum run time
};

// Lock::finish's answer.
struct STATESYNC_API FinishedRun {
  bool released = false; // false: the lock was no longer ours (lost)
  // Server clock, Unix ms; 0 when the run kept no entry (history off).
  long long wait_start_ms = 0;
  long long start_ms = 0; // when it acquired the lock (server clock, Unix ms)
  long long end_ms = 0;   // when it released
};

// The run that used up a --once-per window.
struct STATESYNC_API WindowRun {
  std::string host;                         // who ran it
  long long pid = 0;                        // its process ID
  long long start_ms = 0;                   // when it acquired the lock (server clock, Unix ms)
  std::chrono::milliseconds window_left{0}; // until the next window opens
};

} // namespace statesync
