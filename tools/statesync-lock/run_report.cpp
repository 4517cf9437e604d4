#include "run_report.hpp"

#include "common/duration.hpp"
#include "common/tool_main.hpp"
#include "metrics_file.hpp"
#include "wait_display.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <sys/wait.h>

namespace statesync::tools {
namespace {

// After a signal: the longest wait for the release's reply.
constexpr std::chrono::milliseconds signalled_release_wait{1000};

// With --history-len 0 the server keeps no run entry to take times from:
// the host's clock stands in.
long long unix_ms(long long server_ms) {
  if (server_ms > 0) {
    return server_ms;
  }
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::milliseconds>(now).count();
}

} // namespace

LockSpec lock_spec(const LockOptions& options) {
  LockSpec spec{options.name, options.key_prefix, to_milliseconds(options.ttl), options.limit};
  spec.host = options.host;
  spec.shared = options.shared;
  spec.history_len = options.history_len;
  spec.once_per = options.once_per;
  spec.once_per_any_outcome = options.once_per_any_outcome;
  if (options.wait_replicas > 0) {
    spec.wait_replicas = options.wait_replicas;
  }
  return spec;
}

RunEnd run_end(const SupervisionResult& result) {
  RunEnd end;
  end.max_runtime_hit = result.max_runtime_hit;
  if (result.lost) {
    end.outcome = RunOutcome::lost;
  } else if (WIFSIGNALED(result.wait_status)) {
    end.outcome = RunOutcome::signal;
    end.signal = WTERMSIG(result.wait_status);
  } else if (WEXITSTATUS(result.wait_status) != 0) {
    end.outcome = RunOutcome::failed;
    end.exit_status = WEXITSTATUS(result.wait_status);
  }
  return end;
}

FinishedRun finish_run(Lock& lock, const RunEnd& end, std::chrono::milliseconds hold, int relayed_signal) {
  const bool lost = end.outcome == RunOutcome::lost;
  if (lost && lock.renewal_in_flight()) {
    // The server has stopped answering: the run's record is left to
    // whoever finds its lease ended (the next acquirer or inspector).
    return {};
  }
  std::optional<Clock::time_point> deadline;
  std::chrono::milliseconds lease_left{0};
  if (relayed_signal != 0) {
    const auto now = Clock::now();
    lease_left = std::max(std::chrono::ceil<std::chrono::milliseconds>(lock.lease_start() + lock.spec().ttl - now),
                          std::chrono::milliseconds(0));
    deadline = now + std::min(lease_left, signalled_release_wait);
  }
  try {
    return lock.finish(end, hold, deadline);
  } catch (const Error& error) {
    if (lost) {
      return {}; // the loss has been reported already
    }
    if (deadline && error.kind() == ErrorKind::unavailable) {
      report(fmt::format("lock '{}' not released: no reply within {} after {}; its lease ends on its own within {}",
                         lock.spec().name, seconds_text(std::min(lease_left, signalled_release_wait)),
                         ::sigabbrev_np(relayed_signal) ? fmt::format("SIG{}", ::sigabbrev_np(relayed_signal))
                                                        : fmt::format("signal {}", relayed_signal),
                         seconds_text(lease_left)));
    } else {
      report(fmt::format("warning: {}; the lock expires within its TTL", error.what()));
    }
    FinishedRun done;
    done.released = true;
    return done;
  }
}

void report_run_metrics(MetricsFile* metrics, const LockOptions& options, const Lock& lock, const FinishedRun& done,
                        int exit_status, bool lost) {
  if (metrics == nullptr) {
    return;
  }
  MetricsUpdate update{options.name, lock.spec().host};
  update.start_ms = unix_ms(done.start_ms);
  update.end_ms = unix_ms(done.end_ms);
  update.wait_ms = done.start_ms > 0 ? done.start_ms - done.wait_start_ms : 0;
  update.exit_status = exit_status;
  update.lost = lost;
  metrics->write(update);
}

void report_refusal(MetricsFile* metrics, Lock& lock, const LockOptions& options, const Attempt& refused) {
  const long long wait_start = lock.wait_start_ms();
  const long long now = lock.record_refusal(refused);
  if (metrics != nullptr) {
    MetricsUpdate update{options.name, lock.spec().host};
    update.event = refused.window_run ? MetricsEvent::skipped : MetricsEvent::refused;
    update.wait_ms = wait_start > 0 ? now - wait_start : 0;
    metrics->write(update);
  }
}

} // namespace statesync::tools
