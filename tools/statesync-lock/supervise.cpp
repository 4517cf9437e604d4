#include "supervise.hpp"

#include "common/signals.hpp"
#include "common/tool_main.hpp"
#include "lease_plan.hpp"
#include "relayed_signals.hpp"

#include <statesync/error.hpp>

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

class Supervisor {
public:
  Supervisor(Lock& lock, Child& child, OnLost on_lost, std::optional<milliseconds> max_runtime)
      : lock_(lock), child_(child), on_lost_(on_lost),
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
        stopping_.stop(now, grace_period(lock_.spec().ttl), false);
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
    const LeaseNews news = lock_.keep();
    if (!news.failing.empty()) {
      report_verbose(fmt::format("lock '{}': {}; looking for the new master", lock_.spec().name, news.failing));
    }
    if (!news.kept_at.empty()) {
      report_verbose(fmt::format("lock '{}' kept after {}, at {}", lock_.spec().name,
                                 following_ ? "the failover" : "its slot moved", news.kept_at));
    }
    following_ = news.held && (following_ || !news.failing.empty()) && news.kept_at.empty();
    if (!news.lost.empty()) {
      lose(now, news.lost);
    }
    next_keep_ = news.next;
  }

  void relay_signal() {
    if (const int signal = take_signal(); is_relayed(signal)) {
      relayed_signal_ = signal;
      child_.signal_group(signal);
    }
  }

  void lose(Clock::time_point now, const std::string& why) {
    lost_ = true;
    const char* action = on_lost_ == OnLost::ignore ? "the command runs on (--on-lost ignore)"
                         : on_lost_ == OnLost::kill ? "killing the command"
                                                    : "terminating the command";
    report(fmt::format("lock '{}' lost: {}; {}", lock_.spec().name, why, action));
    if (on_lost_ != OnLost::ignore) {
      stopping_.stop(now, grace_period(lock_.spec().ttl), on_lost_ == OnLost::kill);
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
      consider(next_keep_);
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
    // The lease's connection is watched also between renewals (see
    // Lock::keep): a server that closes it has lost the lease, maybe.
    pollfd fds[2] = {{signal_fd(), POLLIN, 0}, {-1, POLLIN, 0}};
    if (!lost_ && lock_.held()) {
      fds[1].fd = lock_.lease_fd();
    }
    if (::poll(fds, 2, timeout) < 0 && errno != EINTR) {
      throw Error(ErrorKind::internal, "poll failed");
    }
    relay_signal();
  }

  Lock& lock_;
  Child& child_;
  OnLost on_lost_;
  std::optional<Clock::time_point> runtime_end_;
  std::optional<milliseconds> max_runtime_;
  Stopping stopping_;
  bool lost_ = false;
  bool following_ = false; // a failover is being followed
  std::optional<Clock::time_point> next_keep_;
  int relayed_signal_ = 0;
};

} // namespace

SupervisionResult supervise(Lock& lock, Child& child, OnLost on_lost, std::optional<milliseconds> max_runtime) {
  return Supervisor(lock, child, on_lost, max_runtime).run();
}

} // namespace statesync::tools
