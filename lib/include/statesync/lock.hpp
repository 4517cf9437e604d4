#pragma once
// A lease-based lock (or, with a limit above 1, a counting semaphore) in
// Redis, with fencing tokens, notification-driven waiting and inspection.
//
// Keys, for a lock NAME (prefix default "statesync:"); the {NAME} hash tag
// keeps every key of one lock in one cluster slot, so each script touches
// one slot:
//   <prefix>lock:{NAME}          the holder's token, with a PX expiry. Plain
//                                `SET key token NX PX ttl`, so another client
//                                using that convention (redis-py's Lock)
//                                excludes us on the same key and we it.
//   <prefix>lock:{NAME}:fence    the oldest fencing token still allowed to
//                                write (what fenced writes compare with): the
//                                exclusive holder's, or the first of the
//                                shared holders holding it together; set in
//                                the same script as the SET; never expires
//   <prefix>lock:{NAME}:serial   the fencing counter: incremented on every
//                                acquisition; never expires
//   <prefix>lock:{NAME}:signal   a list that release pushes to and waiters
//                                block on (short expiry)
//   <prefix>lock:{NAME}:info     hash: holder token -> "fence since_ms ttl_ms
//                                pid host" ("hold " first during a
//                                release(hold)), for inspection; expires
//                                with the lease
//   <prefix>lock:{NAME}:holders  semaphore or shared holders: sorted set of
//                                holder tokens scored by lease end (server
//                                time, ms)
//   <prefix>lock:{NAME}:limit    semaphore only: its limit; every user of
//                                the name must give the same one (0: held
//                                shared)
//   <prefix>lock:{NAME}:queue    exclusive waiters kept out by shared
//                                holders, scored by when their entry lapses;
//                                while one is queued no shared holder joins
//   <prefix>lock:{NAME}:xsignal  the list queued exclusive waiters block on
//   <prefix>lock:{NAME}:history  stream: one record per run, capped (see
//                                lock_history.hpp)
//   <prefix>lock:{NAME}:runs     hash: token -> the run it holds, until its
//                                record is written (history or --once-per)
//   <prefix>lock:{NAME}:window   --once-per: the window that has run, and
//                                who ran it; expires with the window
//   <prefix>lock:{NAME}:refusals stream: refused attempts and --once-per
//                                skips, capped apart from the runs (see
//                                lock_history.hpp)

#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/lock_run.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {

// The Redis keys of one lock (lock_keys()): in a cluster all in the lock's slot.
struct STATESYNC_API LockKeys {
  std::string lock;     // the lock (its holder's token); its hash tag is the lock's slot
  std::string fence;    // the fencing counter
  std::string signal;   // the list waiters block on (BLPOP), pushed on release
  std::string info;     // each holder's metadata (fence, since, ttl, host:pid)
  std::string holders;  // a semaphore's holders
  std::string limit;    // a semaphore's limit
  std::string history;  // the stream of run records
  std::string runs;     // the runs in progress, by token (written to history when they end)
  std::string window;   // the --once-per window that has run
  std::string refusals; // the stream of refusals and skips
  std::string queue;    // exclusive waiters kept out by shared holders, in arrival order
  std::string xsignal;  // the list a queued exclusive waiter blocks on
  std::string serial;   // the counter every acquisition's fencing token is drawn from
};

// The keys of the lock `name` under `prefix`. No I/O, no throw but std::bad_alloc.
STATESYNC_API LockKeys lock_keys(std::string_view prefix, std::string_view name);

// One holder of a lock, as inspection and a refused attempt see it.
struct STATESYNC_API Holder {
  std::string token;                             // the value in Redis (ours: random hex:host:pid)
  bool ours = false;                             // false: another client's (no metadata)
  std::string host;                              // ours only
  long long pid = 0;                             // ours only
  long long fence = 0;                           // ours only: the fencing token it got
  long long since_ms = 0;                        // ours only: Unix time of acquisition, server clock
  std::chrono::milliseconds held{0};             // ours only: how long it has held the lock
  std::chrono::milliseconds ttl{0};              // ours only: its lease length
  bool after_run = false;                        // ours only: its command has ended; the lease
                                                 // runs out as --hold (release(hold)) asked
  std::optional<std::chrono::milliseconds> left; // time to expiry; nullopt: no expiry

  // "host:pid", or "another client" for a holder that is not ours.
  std::string who() const;
};

// Which lock, and how it is held.
struct STATESYNC_API LockSpec {
  std::string name;                     // the lock's name (a {hash tag} in it decides its cluster slot)
  std::string prefix = "statesync:";    // its keys' prefix
  std::chrono::milliseconds ttl{30000}; // the lease: it ends this long after the last renewal
  int limit = 1;                        // above 1: a counting semaphore
  // Held shared (as flock -s): with any number of other shared holders,
  // never with an exclusive one. An exclusive waiter kept out by shared
  // holders is queued, and no new shared holder joins while it waits; one
  // that vanishes without giving up holds them back for at most
  // shared_queue_lapse. Not with a limit above 1 or once_per.
  bool shared = false;
  std::string host{}; // who holds it, in its metadata and history; empty: gethostname() (Lock fills it)
  int history_len = default_history_len; // records kept; 0: no history
  // Above 0: at most one run per window of this length (server clock)
  // across all users of the name; a failed run leaves the window open
  // unless `once_per_any_outcome`.
  std::chrono::milliseconds once_per{0};
  bool once_per_any_outcome = false; // a failed run uses up the window too
  // Replicas that must have the lock before an acquisition or a renewal
  // counts (WAIT, a sixth of the TTL, at most 1 s). nullopt: from the
  // deployment, never from what a server says of itself (a demoted master
  // that has not learnt it yet counts no replicas): 1 behind Sentinels
  // that list a replica up (Link::deployment_replicas), whose failover
  // promotes it; none for one server or a cluster.
  std::optional<int> wait_replicas{};
};

// How long a queued exclusive waiter's place lasts unless it tries again
// (it does at least every third of this while queued).
inline constexpr std::chrono::milliseconds shared_queue_lapse{3000};

// Outcome of one acquisition attempt.
struct STATESYNC_API Attempt {
  bool acquired = false;               // the lock is ours now
  long long fence = 0;                 // acquired: the fencing token
  std::vector<Holder> holders;         // refused: the holder whose lease ends first
  long long holder_count = 0;          // refused: how many hold it
  std::optional<WindowRun> window_run; // --once-per: this window has run
};

// already_ran: the current --once-per window has run (Lock::window_run()).
enum class AcquireResult { acquired, timed_out, interrupted, already_ran };

// What Lock::keep() found. At most one of the texts is set.
struct STATESYNC_API LeaseNews {
  bool held = false;   // false: lost (now, or before), released, or never acquired
  std::string lost;    // lost by this call: why ("it was deleted or taken over" ...)
  std::string failing; // a renewal met a failover (this error); the next keep() follows it
  std::string kept_at; // kept after a failover or a slot move, at this server now
  // Call keep() again by then, or sooner when lease_fd() turns readable;
  // nullopt: nothing is due (not held).
  std::optional<Clock::time_point> next;
};

// A Lock, like its Link, is used from one thread at a time (LockSession
// hands one to a thread of its own). Every call that talks to the server
// waits at most the reply timeout for each reply unless it says otherwise,
// and throws Error: unavailable (no reply, connection lost and not
// mended), server (an error reply), protocol (a reply of the wrong shape),
// refused (NOAUTH, NOPERM).
class STATESYNC_API Lock {
public:
  // `link` must outlive the Lock; every key of the lock is in one slot, so
  // the lock talks to one server at a time: link.connection() of its key.
  // Throws Error(usage) for an empty name, a TTL under 1 ms or a limit
  // under 1. Does not connect.
  Lock(Link& link, LockSpec spec);
  Lock(const Lock&) = delete;
  Lock& operator=(const Lock&) = delete;
  // Does not release: a Lock destroyed while held (without a LockGuard,
  // release() or finish()) stays held until its lease runs out, up to a
  // TTL later. LockSession (lock_session.hpp) releases on destruction.
  ~Lock();

  // One attempt, no waiting for the lock (one round trip). Where the spec
  // waits for replicas (LockSpec::wait_replicas), an acquisition counts
  // once they have it; else it is released and Error(unavailable) thrown. Throws
  // Error(usage) when the name is used with another limit (or as a plain
  // lock by one and a semaphore by another).
  Attempt try_acquire();

  // Attempts until acquired, `deadline` passes (nullopt: never; a past one:
  // a single attempt), or the link's wake fd / a signal interrupts the
  // wait. Between attempts it blocks on the release signal, for at most
  // the time until the first holder's lease ends. A failover while waiting
  // (Sentinel, Cluster) is followed as the link's policy says (see
  // Link::recover), then the wait goes on at the new master; a slot on the
  // move is waited out. `on_wait` is called after every refused attempt;
  // `wake_every` makes it attempt (and report) at least that often, for a
  // live display.
  AcquireResult acquire(std::optional<Clock::time_point> deadline,
                        const std::function<void(const Attempt&)>& on_wait = {},
                        std::optional<std::chrono::milliseconds> wake_every = std::nullopt);

  // The lease plan, counted from lease_start(): a renewal is due at a
  // third of the TTL; without one that succeeded by two thirds, the lock
  // counts as lost (the holder has a third of the TTL to stop its work
  // before another can acquire).
  std::chrono::milliseconds renew_after() const noexcept;
  std::chrono::milliseconds give_up_after() const noexcept;

  // Keeps the lease on that plan; call it by LeaseNews::next and whenever
  // lease_fd() is readable. It collects a renewal's reply that has come,
  // sends the next renewal when due (at once when the server has closed
  // the connection or sent something), and declares the lock lost when
  // the token is gone or no renewal succeeded by the give-up point. A
  // renewal that meets a failover (a lost connection on a Sentinel or
  // Cluster link, READONLY, MOVED, CLUSTERDOWN) is reported (`failing`),
  // then the next call renews at the new master or slot owner, retrying
  // until the give-up point: kept (`kept_at`) if the lock was replicated,
  // else lost; never shared. On a link whose policy does not reconnect
  // (one server, ReconnectPolicy::enabled false), a connection that the
  // server closes after it has answered there is opened again at once and
  // the renewal sent on it (the lease is kept if the server still has this
  // token's); a server that cannot be reached at once, or drops the new
  // connection before answering, is the lease lost (it may have restarted
  // empty, and another client may take the lock). acquire() connects again
  // the same way and goes on waiting. Only that call blocks, on the link's waits,
  // which the wake fd ends early (it then returns `held` with `next` now:
  // call again). A slot that is migrating is retried shortly. Throws only
  // what no plan covers (Error(usage), internal errors).
  LeaseNews keep();
  // The descriptor to poll for readability between keep() calls (the
  // server's connection); -1 when not held.
  int lease_fd();

  // Renewal in two steps, so that a caller can wait for the reply next to
  // other events (poll on lease_fd()): send, then collect. keep() uses
  // them; a caller that uses keep() does not call them.
  void send_renewal();
  bool renewal_in_flight() const noexcept;
  // The reply if it has arrived (no waiting): true renewed, false the token
  // is no longer there (deleted, expired, taken over). Throws Error on a
  // lost connection. Where the spec waits for replicas, a WAIT goes with
  // the renewal, and a renewal they do not all have is true but not counted:
  // lease_start() stays, and keep() sends it again.
  std::optional<bool> collect_renewal();
  // Both steps, waiting at most the reply timeout.
  bool renew();

  // WAIT until `replicas` replicas have every write so far (the lock), for
  // at most three quarters of the reply timeout. Returns how many did.
  long long wait_replicas(int replicas);

  // Releases now (hold 0), or keeps the lock `hold` longer and lets it
  // expire. Returns false if it was no longer ours. Waits at most the reply
  // timeout.
  bool release(std::chrono::milliseconds hold = std::chrono::milliseconds(0));

  // The end of a run: its history record and the release (or `hold`), in
  // one step. Waits for the server's replies at most the reply timeout,
  // or until `deadline` when given (after a signal, say: the lease ends
  // on its own anyway); neither the wake fd nor a signal ends that wait.
  // Throws Error(unavailable) when no reply came in time: the lock is no
  // longer counted held, and the connection still owes the reply.
  // Defined in lock_history.cpp.
  FinishedRun finish(const RunEnd& end, std::chrono::milliseconds hold = std::chrono::milliseconds(0),
                     std::optional<Clock::time_point> deadline = std::nullopt);
  // A refused attempt's record (-n, or a deadline that passed). Returns
  // the server's time. Defined in lock_history.cpp.
  long long record_refusal(const Attempt& refused);
  // Server time (Unix ms) of the first attempt of the last acquire(); 0:
  // none refused yet (the first attempt's time is then the run's start).
  long long wait_start_ms() const noexcept;
  // After AcquireResult::already_ran: the run that used up the window.
  const std::optional<WindowRun>& window_run() const noexcept;

  bool held() const noexcept;       // acquired and not known lost or released (no I/O)
  long long fence() const noexcept; // the fencing token of the current hold (0: none)
  // Send time of the last successful acquisition or renewal: the lease
  // runs at least until lease_start() + ttl.
  Clock::time_point lease_start() const noexcept;
  const LockSpec& spec() const noexcept;
  Link& link() noexcept;
  // Where the lock's key is served now ("host:port"): for messages.
  std::string where();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Releases on destruction (errors ignored: the lease expires anyway).
class STATESYNC_API LockGuard {
public:
  explicit LockGuard(Lock& lock) : lock_(lock) {} // `lock` must outlive the guard
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  ~LockGuard();

private:
  Lock& lock_;
};

// Inspection and repair, for operators.
struct STATESYNC_API LockStatus {
  std::string name;            // the lock's name
  bool held = false;           // someone holds it
  int limit = 1;               // above 1: a semaphore
  bool shared = false;         // held by shared holders (limit is then 0)
  long long last_fence = 0;    // the last fencing token handed out (0: none)
  std::vector<Holder> holders; // who, the lease that ends first first
};

// Each runs on the server of the lock's key (redirections followed) and
// waits at most the reply timeout; throws Error as Link::command.
STATESYNC_API LockStatus lock_status(Link& link, std::string_view prefix, std::string_view name);

// Held locks whose names match the glob `pattern`, sorted by name. In a
// cluster, the names are those of the node link.connection() reaches.
STATESYNC_API std::vector<LockStatus> list_locks(Link& link, std::string_view prefix, std::string_view pattern);

// Deletes the lock whoever holds it (and every semaphore holder), and wakes
// the waiters. Returns the status it had. The fencing counter stays.
STATESYNC_API LockStatus force_release(Link& link, std::string_view prefix, std::string_view name);

} // namespace statesync
