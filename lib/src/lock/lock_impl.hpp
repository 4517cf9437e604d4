#pragma once
// Lock's state and workings, out of the public header so that its layout
// can change without breaking the library's ABI. Lock forwards every call
// here; the calls' contracts are documented at Lock (lock.hpp).

#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_run.hpp>
#include <statesync/reply.hpp>

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace statesync {

struct Lock::Impl {
  // Checks the spec (Error(usage)) and fills in the host; does not connect.
  Impl(Link& on, LockSpec asked);

  Attempt try_acquire() { return attempt_once(false); }
  // One attempt; `queue`: an exclusive one that will wait if refused, so
  // that shared holders kept out would queue it (see LockSpec::shared).
  Attempt attempt_once(bool queue);
  // Leaves the exclusive waiters' queue after giving up.
  void dequeue();
  // The script's limit argument: 0 for a shared lock.
  std::string limit_arg() const;
  AcquireResult acquire(std::optional<Clock::time_point> deadline, const std::function<void(const Attempt&)>& on_wait,
                        std::optional<std::chrono::milliseconds> wake_every);
  std::chrono::milliseconds renew_after() const noexcept { return spec.ttl / 3; }
  std::chrono::milliseconds give_up_after() const noexcept { return spec.ttl * 2 / 3; }
  LeaseNews keep();
  int lease_fd();
  void send_renewal();
  std::optional<bool> collect_renewal();
  bool renew();
  long long wait_replicas(int count);
  bool release(std::chrono::milliseconds hold = std::chrono::milliseconds(0));
  // Defined in lock_history.cpp.
  FinishedRun finish(const RunEnd& end, std::chrono::milliseconds hold, std::optional<Clock::time_point> deadline);
  long long record_refusal(const Attempt& refused);
  std::string where();

  Reply run(std::initializer_list<std::string_view> args);
  // run(), waiting for the reply until `deadline` (nullopt: as run()).
  Reply run_by(std::initializer_list<std::string_view> args, std::optional<Clock::time_point> deadline);
  // The next reply, whatever interrupts the wait; Error(unavailable) once
  // `deadline` passes. `waiting_for` names the request in the message.
  Reply read_reply_by(Clock::time_point deadline, std::string_view waiting_for);
  // Reads what an interrupted wait or a renewal left owed, each by its own
  // time or `deadline`, whichever is sooner.
  void finish_pending(std::optional<Clock::time_point> deadline = std::nullopt);
  // The renewal's outcome; `waited`: the WAIT's reply sent with it.
  bool apply_renewal(const Reply& reply, std::optional<Reply> waited);
  // Reads the renewal's replies, waiting until `deadline` (nullopt: the
  // reply timeout), and applies them.
  bool await_renewal(std::optional<Clock::time_point> deadline);
  // The replicas that must have the lock (LockSpec::wait_replicas).
  int replicas_to_wait() const;
  // How long a WAIT for one replica waits.
  std::chrono::milliseconds replica_wait() const;
  // After an acquisition, where replicas are waited for: they must have
  // it, else it is released and Error(unavailable) thrown.
  void confirm_on_replica();
  // A short wait while a cluster moves the lock's slot; false: the wake
  // fd or a signal ended it.
  bool pause_while_slot_moves() const;
  // The connection to the server that has the lock's key.
  Connection& connection();
  // After `error` while waiting: follows a failover (the link's policy);
  // false when the wake fd ended a wait; throws what it cannot mend.
  bool recover_waiting(const Error& error, std::optional<Clock::time_point> deadline);
  // One round of acquire(): nullopt to go on.
  std::optional<AcquireResult> acquire_step(std::optional<Clock::time_point> deadline,
                                            const std::function<void(const Attempt&)>& on_wait,
                                            std::optional<std::chrono::milliseconds> wake_every);
  LeaseNews lose(std::string why);
  LeaseNews follow_failover();
  // A connection the server closed while it is up (CLIENT KILL, its idle
  // timeout, a proxy's cut) on a link whose policy does not reconnect (one
  // server, ReconnectPolicy::enabled false): this lock opens it again at
  // once itself (only when `answered`).
  bool reopens() const;
  // True when `lost` is such a loss, and reopen() may follow it.
  bool may_reopen(const Error& lost) const;
  // `error`'s text, after the loss a reopen followed, if one did.
  std::string since_reopen(const Error& error) const;
  // Connects again now, by the link's wait limit, with the wake fd not
  // watched (a signal must not cost a lease); throws `lost` followed by
  // why connecting failed: a server that cannot be reached at once may
  // have restarted without the lock, and another client may take it.
  void reopen(const Error& lost);

  Link& link;
  LockSpec spec;
  LockKeys keys;
  std::string token;
  std::string meta;
  bool held = false;
  long long fence = 0;
  Clock::time_point lease_start{};
  std::optional<Clock::time_point> renewal_sent;
  // A blocking pop whose reply has not been read (an interrupted wait).
  std::optional<Clock::time_point> pending_pop_until;
  // In the exclusive waiters' queue (the last attempt said so).
  bool queued = false;
  std::chrono::milliseconds retry_after{0};
  long long wait_start_ms = 0;
  std::optional<WindowRun> window_run;
  // A renewal in flight is followed by a WAIT; its script reply, when
  // read before the WAIT's.
  bool renewal_waits = false;
  std::optional<Reply> renewal_reply;
  // keep(): the failover a renewal met (followed by the next keep()), a
  // renewal due at once, and the earliest retry after a TRYAGAIN.
  std::optional<Error> failover;
  std::string failover_first;
  bool renew_now = false;
  // The last acquisition was released for want of replicas (acquire()
  // then waits and tries again, at the master the Sentinels name then).
  bool short_of_replicas = false;
  Clock::time_point renewal_retry_at{};
  // The server has answered on the lock's connection, and no wait on it
  // has gone unanswered since: only then is a loss reopen()ed (never a
  // connection that has not worked yet, nor twice in a row: no loop with
  // a server that takes connections and drops them; and a new connection
  // does not mend a server that has stopped answering).
  bool answered = false;
  std::string reopened_after; // the loss the last reopen() followed
};

} // namespace statesync
