#include "run.hpp"

#include "child.hpp"
#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"
#include "relayed_signals.hpp"
#include "supervise.hpp"
#include "wait_display.hpp"

#include <statesync/cluster.hpp>
#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace statesync::tools {
namespace {

// nullopt once acquired; else the exit status (conflict, timeout, signal).
std::optional<int> acquire(Lock& lock, const LockOptions& options) {
  std::optional<Clock::time_point> deadline;
  if (options.nonblock) {
    deadline = Clock::now();
  } else if (options.wait) {
    deadline = Clock::now() + to_milliseconds(*options.wait);
  }
  WaitDisplay display(options.name, verbose(), ::isatty(STDERR_FILENO) == 1);
  for (;;) {
    switch (lock.acquire(
        deadline, [&](const Attempt& attempt) { display.refused(attempt); }, display.refresh())) {
    case AcquireResult::acquired:
      display.done();
      report_verbose(fmt::format("acquired '{}' (fencing token {})", options.name, lock.fence()));
      return std::nullopt;
    case AcquireResult::timed_out:
      display.done();
      report_verbose(fmt::format("'{}' not acquired", options.name));
      return options.conflict_exit_code;
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

// True if the lock was still ours. A failure to reach the server is only
// a warning: the lease ends on its own.
bool release(Lock& lock, std::chrono::milliseconds hold) {
  try {
    return lock.release(hold);
  } catch (const Error& error) {
    report(fmt::format("warning: {}; the lock expires within its TTL", error.what()));
    return true;
  }
}

} // namespace

int run_locked(Connection& connection, const LockOptions& options) {
  catch_signals(relayed_signals);
  catch_signals({SIGCHLD});
  connection.set_wake_fd(signal_fd());
  Lock lock(connection, LockSpec{options.name, options.key_prefix, to_milliseconds(options.ttl), options.limit});
  if (const auto status = acquire(lock, options)) {
    return *status;
  }
  if (options.wait_replicas > 0) {
    const long long replicas = lock.wait_replicas(options.wait_replicas);
    if (replicas < options.wait_replicas) {
      release(lock, std::chrono::milliseconds(0));
      throw Error(ErrorKind::unavailable,
                  fmt::format("lock '{}' reached {} of {} replicas within the reply timeout; released it", options.name,
                              replicas, options.wait_replicas));
    }
    report_verbose(fmt::format("lock '{}' is on {} replicas", options.name, replicas));
  }
  export_lock_environment(lock);
  Child child(options.command);
  if (const auto error = child.exec_error()) {
    child.wait();
    report(fmt::format("cannot run '{}': {}", options.command.front(), std::strerror(*error)));
    release(lock, std::chrono::milliseconds(0));
    return *error == ENOENT ? exit_not_found : exit_cannot_execute;
  }
  // After a failover: the new master (Sentinel) or the slot's new owner.
  std::function<void()> reconnect;
  if (const Endpoint endpoint = failover_endpoint(options.connection, connection);
      endpoint.topology != Topology::standalone) {
    reconnect = [&, endpoint] {
      connection =
          connect_for_key(endpoint, client_name("statesync-lock"), lock_keys(options.key_prefix, options.name).lock);
      connection.set_wake_fd(signal_fd());
    };
  }
  const auto result =
      supervise(lock, child, options.on_lost,
                options.max_runtime ? std::optional(to_milliseconds(*options.max_runtime)) : std::nullopt, reconnect);
  if (result.lost) {
    return exit_status_for(ErrorKind::lock_lost);
  }
  const auto hold = to_milliseconds(options.hold);
  if (!release(lock, hold)) {
    report(fmt::format("lock '{}' lost: it was gone when the command ended", options.name));
    return exit_status_for(ErrorKind::lock_lost);
  }
  if (hold.count() > 0) {
    report_verbose(fmt::format("lock '{}' (fencing token {}) held after the command for --hold {}, until {}",
                               options.name, lock.fence(), seconds_text(hold), utc_time_in(hold)));
  } else {
    report_verbose(fmt::format("lock '{}' (fencing token {}) released", options.name, lock.fence()));
  }
  return exit_status_of(result.wait_status);
}

} // namespace statesync::tools
