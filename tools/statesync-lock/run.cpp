#include "run.hpp"

#include "child.hpp"
#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"
#include "hand_hold.hpp"
#include "jitter.hpp"
#include "metrics_file.hpp"
#include "relayed_signals.hpp"
#include "run_report.hpp"
#include "supervise.hpp"
#include "wait_display.hpp"

#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <unistd.h>

namespace statesync::tools {
namespace {

std::string already_ran_message(const LockOptions& options, const WindowRun& run) {
  return fmt::format(
      "'{}' already ran in this window (--once-per {}): on {}:{} at {}; the next window opens in {:.1f}s", options.name,
      options.once_per_text, run.host, run.pid, utc_time(run.start_ms),
      static_cast<double>(run.window_left.count()) / 1000.0);
}

// nullopt once acquired; else the exit status (conflict, timeout, signal).
std::optional<int> acquire(Lock& lock, const LockOptions& options, MetricsFile* metrics) {
  std::optional<Clock::time_point> deadline;
  if (options.nonblock) {
    deadline = Clock::now();
  } else if (options.wait) {
    deadline = Clock::now() + to_milliseconds(*options.wait);
  }
  WaitDisplay display(options.name, verbose(), ::isatty(STDERR_FILENO) == 1);
  Attempt last;
  for (;;) {
    switch (lock.acquire(
        deadline,
        [&](const Attempt& attempt) {
          last = attempt;
          display.refused(attempt);
        },
        display.refresh())) {
    case AcquireResult::acquired:
      display.done();
      report_verbose(fmt::format("acquired '{}' (fencing token {})", options.name, lock.fence()));
      return std::nullopt;
    case AcquireResult::timed_out:
      display.done();
      report_verbose(fmt::format("'{}' not acquired", options.name));
      report_refusal(metrics, lock, options, last);
      return options.conflict_exit_code;
    case AcquireResult::already_ran: {
      display.done();
      report(already_ran_message(options, *lock.window_run()));
      Attempt skipped;
      skipped.window_run = lock.window_run();
      report_refusal(metrics, lock, options, skipped);
      return options.conflict_exit_code;
    }
    case AcquireResult::interrupted:
      if (const int signal = take_signal(); is_relayed(signal)) {
        display.done();
        report_verbose(fmt::format("stopped waiting for '{}': {}", options.name, ::strsignal(signal)));
        return exit_signal_base + signal;
      }
      break; // anything else: keep waiting
    }
  }
}

// What the command learns about the lock it runs under.
void export_lock_environment(const Lock& lock) {
  ::setenv("STATESYNC_LOCK_NAME", lock.spec().name.c_str(), 1);
  ::setenv("STATESYNC_LOCK_TOKEN", std::to_string(lock.fence()).c_str(), 1);
  ::setenv("STATESYNC_LOCK_TTL_MS", std::to_string(lock.spec().ttl.count()).c_str(), 1);
}

// No command: held until a signal or the end of standard input; recorded
// as a run (ok), released.
int held_by_hand(Lock& lock, const LockOptions& options, MetricsFile* metrics) {
  const HandHoldEnd end = hold_by_hand(lock);
  RunEnd run;
  if (end.lost) {
    run.outcome = RunOutcome::lost;
  }
  const FinishedRun done = finish_run(lock, run, std::chrono::milliseconds(0), end.signal);
  const bool lost = end.lost || !done.released;
  const int status = lost ? exit_status_for(ErrorKind::lock_lost) : end.signal != 0 ? exit_signal_base + end.signal : 0;
  if (!lost) {
    report_verbose(fmt::format("lock '{}' (fencing token {}) released", options.name, lock.fence()));
  }
  report_run_metrics(metrics, options, lock, done, status, lost);
  return status;
}

} // namespace

int run_locked(Link& link, const LockOptions& options) {
  catch_signals(relayed_signals);
  catch_signals({SIGCHLD});
  link.set_wake_fd(signal_fd());
  std::optional<MetricsFile> metrics_file;
  if (options.metrics_file) {
    metrics_file.emplace(*options.metrics_file);
  }
  MetricsFile* const metrics = metrics_file ? &*metrics_file : nullptr;
  Lock lock(link, lock_spec(options));
  if (options.jitter.count() > 0) {
    if (const auto status = wait_jitter(options.name, options.jitter)) {
      return *status;
    }
  }
  if (const auto status = acquire(lock, options, metrics)) {
    return *status;
  }
  if (options.command.empty()) {
    return held_by_hand(lock, options, metrics);
  }
  export_lock_environment(lock);
  Child child(options.command);
  if (const auto error = child.exec_error()) {
    child.wait();
    report(fmt::format("cannot run '{}': {}", options.command.front(), std::strerror(*error)));
    const int status = *error == ENOENT ? exit_not_found : exit_cannot_execute;
    const FinishedRun done = finish_run(lock, RunEnd{RunOutcome::failed, status}, std::chrono::milliseconds(0));
    report_run_metrics(metrics, options, lock, done, status, false);
    return status;
  }
  const auto result =
      supervise(lock, child, options.on_lost,
                options.max_runtime ? std::optional(to_milliseconds(*options.max_runtime)) : std::nullopt);
  const auto hold = to_milliseconds(options.hold);
  const FinishedRun done = finish_run(lock, run_end(result), hold, result.relayed_signal);
  const bool lost = result.lost || !done.released;
  if (!result.lost && lost) {
    report(fmt::format("lock '{}' lost: it was gone when the command ended", options.name));
  } else if (!lost && hold.count() > 0) {
    report_verbose(fmt::format("lock '{}' (fencing token {}) held after the command for --hold {}, until {}",
                               options.name, lock.fence(), seconds_text(hold), utc_time_in(hold)));
  } else if (!lost) {
    report_verbose(fmt::format("lock '{}' (fencing token {}) released", options.name, lock.fence()));
  }
  const int status = lost ? exit_status_for(ErrorKind::lock_lost) : exit_status_of(result.wait_status);
  report_run_metrics(metrics, options, lock, done, status, lost);
  return status;
}

} // namespace statesync::tools
