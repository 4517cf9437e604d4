#pragma once
// Running work under a lock: what statesync-lock gives a command, for a
// C++ program. A LockSession acquires the lock, keeps its lease from a
// thread of its own (renewing at a third of the TTL, following a Sentinel
// or Cluster failover as Lock::keep does), tells the program at once when
// the lease is lost, and releases the lock when it ends.
//
//   auto session = LockSession::start({.link = {endpoint, "nightly"},
//                                      .lock = {.name = "nightly"}});
//   if (!session) { /* busy */ }
//   for (auto& step : steps) {
//     if (session->lost()) { /* stop: another holder may run now */ }
//     step.run(session->fence());
//   }
//   // ~LockSession releases
//
// Threads: the session's thread uses a Link of its own (made from
// `options.link`), so the program's links are never touched by it. The
// queries (lost(), lost_why(), fence(), lost_fd()) may be called from any
// thread; start(), release() and the destructor from one thread at a time.
// `on_lost` runs on the session's thread.
//
// Losing a lease does not stop the program's work by itself: check lost()
// (or poll lost_fd(), or act in on_lost) between steps, and pass fence()
// to whatever the work writes to, so that a store can refuse a writer whose
// lease has ended (one with a smaller token than it has seen).

#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace statesync {

// What LockSession::start() takes.
struct STATESYNC_API LockSessionOptions {
  LinkOptions link; // where the lock is (the session's own link is made from it)
  LockSpec lock;    // which lock, and its lease
  // How long start() waits for the lock; nullopt: as long as it takes;
  // zero: one attempt.
  std::optional<std::chrono::milliseconds> wait = std::nullopt;
  // Called once, on the session's thread, when the lease is lost, with
  // why ("it was deleted or taken over", "not renewed within 6.7s" ...).
  std::function<void(const std::string& why)> on_lost = {};
};

// A lock held, its lease kept from a thread of its own: this file's
// description says how, and its thread rules.
class STATESYNC_API LockSession {
public:
  // Acquires the lock, waiting as `options.wait` says, then starts the
  // thread that keeps the lease. nullopt: not acquired in time (or the
  // lock's --once-per window has run). Blocks while waiting for the lock
  // (a release wakes it at once; see Lock::acquire). Throws Error as
  // Link and Lock do (unavailable, refused, usage ...).
  static std::optional<LockSession> start(LockSessionOptions options);

  // Movable (a moved-from one may only be destroyed or assigned to).
  LockSession(LockSession&&) noexcept;
  LockSession& operator=(LockSession&&) noexcept;
  LockSession(const LockSession&) = delete;
  LockSession& operator=(const LockSession&) = delete;
  // release(), errors ignored (the lease then runs out on its own).
  ~LockSession();

  // The fencing token of this acquisition.
  long long fence() const noexcept;
  // True once the lease is lost (the lock may have another holder now):
  // told by the session's thread, or seen by the caller's own clock when
  // the give-up point has passed without a renewal counted (whatever
  // that thread is waiting for).
  bool lost() const noexcept;
  // Why it was lost; empty while it is not.
  std::string lost_why() const;
  // An eventfd that becomes readable when the lease is lost (after
  // on_lost has returned), for a program's own poll loop. Owned by the
  // session.
  int lost_fd() const noexcept;

  // Stops keeping the lease and releases the lock. Returns false when it
  // was lost before (nothing to release). Waits at most the reply timeout
  // for the server; throws Error(unavailable) when it does not answer (the
  // lease then runs out on its own). Later calls return false.
  bool release();
  // The same, with the run's history record: how the work ended (`end`),
  // written and the lock released in one step (Lock::finish). Returns
  // false, writing nothing, when the lease was lost before. Waits and
  // throws as release(); later calls (and release()) return false.
  bool finish(const RunEnd& end);

private:
  struct Impl;
  explicit LockSession(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
