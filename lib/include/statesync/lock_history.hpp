#pragma once
// A lock's run history: one record per run under the lock, kept in a
// capped stream in the lock's slot, so that the whole fleet's runs of one
// job can be read in one place. Refused attempts and --once-per skips go
// to a second stream with its own cap (the same length): a fleet of 300
// hosts refused 299 times a night still keeps its runs. Every time
// is the server's clock (Unix milliseconds), so hosts' clocks never
// matter.
//
// A run's record is written with its release, in the same script. A
// holder that vanished (killed, its host gone) leaves a lease that ends
// without a record: the next acquirer or inspector that finds it writes it
// (outcome `vanished`, ending when the lease did).

#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_run.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {

// One run (or refusal, or skip) of a lock's history.
struct STATESYNC_API RunRecord {
  std::string id;                      // the stream entry's ID
  std::string host;                    // who ran it
  long long pid = 0;                   // its process ID
  long long fence = 0;                 // the fencing token (0: refused, skipped)
  long long wait_start_ms = 0;         // when it started waiting
  long long start_ms = 0;              // when it acquired the lock (0: refused, skipped)
  long long end_ms = 0;                // when it released, gave up, or its lease ended (vanished)
  RunOutcome outcome = RunOutcome::ok; // how it ended
  int exit_status = 0;                 // failed: the command's status
  int signal = 0;                      // signal: the signal's number
  bool max_runtime_hit = false;        // stopped at its maximum run time
  bool shared = false;                 // a run that held the lock shared (LockSpec::shared)
  std::string refused_by;              // refused: the holder; skipped: who ran the window ("host:pid")

  std::chrono::milliseconds duration() const; // start to end (0 for a refusal or a skip)
  std::chrono::milliseconds waited() const;   // how long it waited for the lock
  bool success() const { return outcome == RunOutcome::ok || outcome == RunOutcome::released; } // ok or released
  // False for a refusal or a skip.
  bool ran() const { return outcome != RunOutcome::refused && outcome != RunOutcome::skipped; }
  // The time a record is shown and sorted by: its start, or when a
  // refusal or skip ended.
  long long shown_ms() const { return ran() ? start_ms : end_ms; }
};

// Each call below runs one script on the server of the lock's key through
// `link` (redirections followed), waits at most the reply timeout, and
// throws Error as Link::command does (protocol: a history key that is not
// a stream). Use from the link's thread.

// Which records lock_history() reads.
struct STATESYNC_API HistoryQuery {
  std::size_t count = 0;               // at most this many, after the filters (0: all that are kept)
  bool refusals = false;               // the refusals and skips too, not only the runs
  std::string host{};                  // only this host's ("": every host's)
  std::optional<RunOutcome> outcome{}; // only records that ended so
};

// lock_history()'s answer.
struct STATESYNC_API LockHistory {
  std::vector<RunRecord> records; // newest first by shown_ms()
  std::size_t refusals_kept = 0;  // refusals and skips in their stream, asked for or not
};

// The lock's records that `query` selects.
STATESYNC_API LockHistory lock_history(Link& link, std::string_view prefix, std::string_view name,
                                       const HistoryQuery& query = {});

// The last runs of a lock, as --list and --check read them.
struct STATESYNC_API RunSummary {
  std::optional<RunRecord> last;         // refusals are not runs
  std::optional<RunRecord> last_success; // the last run that succeeded
  std::optional<RunRecord> last_failure; // the last run that did not
};

// The lock's last run, last success and last failure.
STATESYNC_API RunSummary lock_run_summary(Link& link, std::string_view prefix, std::string_view name);

// A lock as --list shows it: who holds it, and how its last run ended.
struct STATESYNC_API LockOverview {
  LockStatus status; // who holds it
  RunSummary runs;   // how its last runs ended
};

// The locks matching the glob `pattern` that are held or have a history,
// sorted by name, each with its run summary (lock_status() gives the rest).
STATESYNC_API std::vector<LockOverview> lock_overviews(Link& link, std::string_view prefix, std::string_view pattern);

} // namespace statesync
