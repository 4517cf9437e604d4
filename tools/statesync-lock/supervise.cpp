#include "supervise.hpp"

#include "common/signals.hpp"
#include "common/tool_main.hpp"
#include "lease_plan.hpp"
#include "relayed_signals.hpp"

#include <statesync/error.hpp>
#include <statesync/failover.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <poll.h>

namespace statesync::tools {
namespace {

using std::chrono::milliseconds;

// SIGTERM then SIGKILL to the group, each at its time.
struct Stopping {
  std::optional<Clock::time_point> term_at;
  std::optional<Clock::time_point> kill_at;
  bool termed = false;
  bool killed = false;

  void stop(Clock::time_point now, milliseconds grace, bool at_once) {
    if (!at_once && !term_at) {
      term_at = now;
    }
    const auto kill = at_once ? now : now + grace;
    kill_at = kill_at ? std::min(*kill_at, kill) : kill;
  }

  bool started() const { return term_at.has_value() || kill_at.has_value(); }

  void act(Child& child, Clock::time_point now) {
    if (term_at && !termed && now >= *term_at) {
      termed = true;
      child.signal_group(SIGTERM);
    }
    if (kill_at && !killed && now >= *kill_at) {
      killed = true;
      child.signal_group(SIGKILL);
    }
  }
};

// Between attempts to reach the new master or slot owner.
constexpr milliseconds failover_retry{100};

class Supervisor {
public:
  Supervisor(Lock& lock, Child& child, OnLost on_lost, std::optional<milliseconds> max_runtime,
             const std::function<void()>& reconnect)
      : lock_(lock), child_(child), on_lost_(on_lost), reconnect_(reconnect), plan_{lock.spec().ttl},
        runtime_end_(max_runtime ? std::optional(Clock::now() + *max_runtime) : std::nullopt),
        max_runtime_(max_runtime) {}

  SupervisionResult run() {
    SupervisionResult result;
    std::optional<int> status;
    for (;;) {
      if (!status) {
        status = child_.reap();
      }
      const auto now = Clock::now();
      if (!lost_ && lock_.held()) {
        keep_lease(now);
      }
      if (runtime_end_ && now >= *runtime_end_) {
        runtime_end_.reset();
        result.max_runtime_hit = true;
        report(fmt::format("'{}' ran longer than --max-runtime {}s: terminating it", lock_.spec().name,
                           static_cast<double>(max_runtime_->count()) / 1000.0));
        stopping_.stop(now, plan_.grace(), false);
      }
      stopping_.act(child_, now);
      if (status && (!stopping_.started() || stopping_.killed || !child_.group_alive())) {
        result.wait_status = *status;
        result.lost = lost_;
        result.relayed_signal = relayed_signal_;
        return result;
      }
      wait_for_events(now, status.has_value());
    }
  }

private:
  void keep_lease(Clock::time_point now) {
    try {
      if (lock_.renewal_in_flight()) {
        // A cluster's MOVED is followed inside the renewal: the connection
        // then leads elsewhere.
        const std::string was_at = lock_.connection().where();
        const auto renewed = lock_.collect_renewal();
        if (renewed && !*renewed) {
          return lose(now, "it was deleted or taken over");
        }
        if (renewed && lock_.connection().where() != was_at) {
          report_verbose(
              fmt::format("lock '{}' kept after its slot moved, at {}", lock_.spec().name, lock_.connection().where()));
        }
      }
      if (!lock_.renewal_in_flight() && (renew_now_ || now >= next_renewal())) {
        renew_now_ = false;
        lock_.send_renewal();
      }
      if (now >= lock_.lease_start() + plan_.give_up_after()) {
        return lose(now, fmt::format("not renewed within {:.1f}s",
                                     static_cast<double>(plan_.give_up_after().count()) / 1000.0));
      }
    } catch (const Error& error) {
      if (is_slot_migrating(error)) {
        // Until the migration is done, or the lease runs out.
        renewal_retry_at_ = now + slot_migration_retry;
        return;
      }
      if (reconnect_ && suggests_failover(error)) {
        return follow_failover(now, error);
      }
      lose(now, error.what());
    }
  }

  // Renews against the new master: the lock goes on if it was replicated
  // before the failover, and is lost (never silently shared) if not.
  void follow_failover(Clock::time_point now, const Error& error) {
    report_verbose(fmt::format("lock '{}': {}; looking for the new master", lock_.spec().name, error.what()));
    // A node on its way down may still take a connection and then drop
    // it, and the map may name it until its replica takes over: look
    // again, up to the point where the lease is given up anyway.
    const auto give_up = lock_.lease_start() + plan_.give_up_after();
    for (;;) {
      try {
        reconnect_();
        if (lock_.resume()) {
          report_verbose(
              fmt::format("lock '{}' kept after the failover, at {}", lock_.spec().name, lock_.connection().where()));
          return;
        }
        return lose(now, "it did not survive the failover");
      } catch (const Error& again) {
        if (!suggests_failover(again) || Clock::now() + failover_retry >= give_up) {
          return lose(now, fmt::format("{}; after it: {}", error.what(), again.what()));
        }
      }
      pause_relaying_signals(failover_retry);
    }
  }

  // Between attempts to reach the new master: a signal that comes
  // meanwhile reaches the command's group at once, not after the failover.
  void pause_relaying_signals(milliseconds pause) {
    const auto until = Clock::now() + pause;
    for (auto left = pause; left > milliseconds(0); left = std::chrono::ceil<milliseconds>(until - Clock::now())) {
      pollfd wake{signal_fd(), POLLIN, 0};
      if (::poll(&wake, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
        throw Error(ErrorKind::internal, "poll failed");
      }
      relay_signal();
    }
  }

  void relay_signal() {
    if (const int signal = take_signal(); is_relayed(signal)) {
      relayed_signal_ = signal;
      child_.signal_group(signal);
    }
  }

  Clock::time_point next_renewal() const {
    return std::max(lock_.lease_start() + plan_.renew_after(), renewal_retry_at_);
  }

  void lose(Clock::time_point now, const std::string& why) {
    lost_ = true;
    const char* action = on_lost_ == OnLost::ignore ? "the command runs on (--on-lost ignore)"
                         : on_lost_ == OnLost::kill ? "killing the command"
                                                    : "terminating the command";
    report(fmt::format("lock '{}' lost: {}; {}", lock_.spec().name, why, action));
    if (on_lost_ != OnLost::ignore) {
      stopping_.stop(now, plan_.grace(), on_lost_ == OnLost::kill);
    }
  }

  // Sleeps until a signal, the renewal's reply, or the next thing to do.
  void wait_for_events(Clock::time_point now, bool child_ended) {
    std::optional<Clock::time_point> next = runtime_end_;
    const auto consider = [&](std::optional<Clock::time_point> when) {
      if (when) {
        next = next ? std::min(*next, *when) : *when;
      }
    };
    if (!lost_ && lock_.held()) {
      if (!lock_.renewal_in_flight()) {
        consider(next_renewal());
      }
      consider(lock_.lease_start() + plan_.give_up_after());
    }
    if (!stopping_.termed) {
      consider(stopping_.term_at);
    }
    if (!stopping_.killed) {
      consider(stopping_.kill_at);
    }
    if (child_ended) {
      // The command has gone but its group has not: no event says when the
      // rest has, so look again soon (until SIGKILL's time).
      consider(now + milliseconds(20));
    }
    int timeout = -1;
    if (next) {
      timeout =
          static_cast<int>(std::clamp<long long>(std::chrono::ceil<milliseconds>(*next - now).count(), 0, 1 << 30));
    }
    // Watched also between renewals: a server that restarts without
    // persistence takes the lease with it, and a new holder can acquire at
    // once, so its closing of the connection must stop the command now,
    // not at the next renewal.
    pollfd fds[2] = {{signal_fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    if (!lost_ && lock_.held()) {
      fds[1].fd = lock_.connection().fd();
    }
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) {
      throw Error(ErrorKind::internal, "poll failed");
    }
    if (fds[1].revents != 0 && !lock_.renewal_in_flight()) {
      renew_now_ = true; // nothing is due: the renewal's reply tells what happened
    }
    relay_signal();
  }

  Lock& lock_;
  Child& child_;
  OnLost on_lost_;
  const std::function<void()>& reconnect_;
  LeasePlan plan_;
  std::optional<Clock::time_point> runtime_end_;
  std::optional<milliseconds> max_runtime_;
  Stopping stopping_;
  bool lost_ = false;
  bool renew_now_ = false;
  int relayed_signal_ = 0;
  Clock::time_point renewal_retry_at_{}; // after a TRYAGAIN
};

} // namespace

SupervisionResult supervise(Lock& lock, Child& child, OnLost on_lost, std::optional<milliseconds> max_runtime,
                            const std::function<void()>& reconnect) {
  return Supervisor(lock, child, on_lost, max_runtime, reconnect).run();
}

} // namespace statesync::tools
