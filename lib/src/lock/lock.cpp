// The lock's lifecycle: acquire (waiting on the release signal), renew,
// release. Every state change is one run of lock.lua.

#include "lock/history_reply.hpp"
#include "lock/lock_impl.hpp"
#include "lock/lock_reply.hpp"
#include "lock/lock_script.hpp"
#include "protocol/script.hpp"
#include "topology/redirect.hpp"
#include "util/deadline.hpp"

#include "topology/failover.hpp"
#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <poll.h>
#include <sys/random.h>
#include <unistd.h>
#include <utility>

namespace statesync {
namespace {

using std::chrono::milliseconds;

// A holder that is not ours does not push the release signal, so it is
// looked at again at least this often.
constexpr milliseconds foreign_recheck{1000};
// Past a holder's expiry before looking again, so the key has surely gone.
constexpr milliseconds expiry_margin{5};
// How soon to try again while a cluster migrates the lock's slot (a
// TRYAGAIN reply).
constexpr milliseconds slot_migration_retry{50};
// A queued exclusive waiter tries again at least this often, so that its
// place (shared_queue_lapse) does not lapse while it waits.
constexpr milliseconds queue_refresh = shared_queue_lapse / 3;

std::string host_name() {
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) != 0) {
    return "unknown";
  }
  return host.data();
}

// Unique per acquisition: 16 random bytes, then who, for people reading
// the key with redis-cli.
std::string make_token(const std::string& host) {
  std::array<unsigned char, 16> random{};
  std::size_t filled = 0;
  while (filled < random.size()) {
    const auto n = ::getrandom(random.data() + filled, random.size() - filled, 0);
    if (n < 0) {
      throw Error(ErrorKind::internal, "cannot read random bytes for the lock token");
    }
    filled += static_cast<std::size_t>(n);
  }
  std::string token;
  for (const unsigned char byte : random) {
    token += fmt::format("{:02x}", byte);
  }
  return fmt::format("{}:{}:{}", token, host, ::getpid());
}

// BLPOP's timeout in seconds, from whole milliseconds (0 would mean forever).
std::string pop_timeout(milliseconds wait) {
  const auto ms = std::max<long long>(wait.count(), 1);
  return fmt::format("{}.{:03}", ms / 1000, ms % 1000);
}

// The link's wake fd unwatched for a scope, whatever ends it.
class WakeSuspended {
public:
  explicit WakeSuspended(Link& link) : link_(link), wake_fd_(link.wake_fd()) { link_.set_wake_fd(-1); }
  WakeSuspended(const WakeSuspended&) = delete;
  WakeSuspended& operator=(const WakeSuspended&) = delete;
  ~WakeSuspended() { link_.set_wake_fd(wake_fd_); }

private:
  Link& link_;
  int wake_fd_;
};

// The link's waits bounded by a lease's give-up point for a scope: past it
// another client may hold the lock, so no wait in keeping the lease
// (connecting, a Sentinel's answer, INFO, the renewal's reply) may go on.
class WaitLimited {
public:
  WaitLimited(Link& link, Clock::time_point until) : link_(link) { link_.set_wait_limit(until); }
  WaitLimited(const WaitLimited&) = delete;
  WaitLimited& operator=(const WaitLimited&) = delete;
  ~WaitLimited() { link_.set_wait_limit(std::nullopt); }

private:
  Link& link_;
};

// Something to read on `fd` already (a reply, or the server closing it).
bool readable(int fd) {
  pollfd ready{fd, POLLIN, 0};
  return ::poll(&ready, 1, 0) > 0;
}

} // namespace

std::string Holder::who() const {
  return ours ? fmt::format("{}:{}", host, pid) : "another client";
}

LockKeys lock_keys(std::string_view prefix, std::string_view name) {
  const std::string base = fmt::format("{}lock:{{{}}}", prefix, name);
  return {base,
          base + ":fence",
          base + ":signal",
          base + ":info",
          base + ":holders",
          base + ":limit",
          base + ":history",
          base + ":runs",
          base + ":window",
          base + ":refusals",
          base + ":queue",
          base + ":xsignal",
          base + ":serial"};
}

Lock::Impl::Impl(Link& on, LockSpec asked) : link(on), spec(std::move(asked)) {
  if (spec.name.empty()) {
    throw Error(ErrorKind::usage, "a lock needs a name");
  }
  if (spec.ttl < milliseconds(1)) {
    throw Error(ErrorKind::usage, "a lock's TTL must be at least 1 ms");
  }
  if (spec.limit < 1) {
    throw Error(ErrorKind::usage, "a semaphore's limit must be at least 1");
  }
  if (spec.shared && spec.limit > 1) {
    throw Error(ErrorKind::usage, "a shared lock has no limit: any number share it");
  }
  detail::check_history_spec(spec);
  keys = lock_keys(spec.prefix, spec.name);
  if (spec.host.empty()) {
    spec.host = host_name();
  }
  token = make_token(spec.host);
  meta = fmt::format("{} {}", ::getpid(), spec.host);
}

Reply Lock::Impl::run(std::initializer_list<std::string_view> args) {
  return detail::run_lock_script(link, keys, args);
}

int Lock::Impl::replicas_to_wait() const {
  if (spec.wait_replicas) {
    return *spec.wait_replicas;
  }
  // Behind Sentinels, one replica when they list one up: a failover
  // promotes it, and a lock it does not have would be lost.
  return std::min(link.deployment_replicas(), 1);
}

milliseconds Lock::Impl::replica_wait() const {
  return std::clamp(spec.ttl / 6, milliseconds(1), milliseconds(1000));
}

void Lock::Impl::confirm_on_replica() {
  const int wanted = replicas_to_wait();
  if (wanted == 0) {
    return;
  }
  const Reply waited =
      link.command({"WAIT", std::to_string(wanted), std::to_string(replica_wait().count())}, keys.lock);
  const long long reached = waited.type == Reply::Type::integer ? waited.integer : 0;
  if (reached >= wanted) {
    return;
  }
  // A failover now would lose it, or a demoted master took it: not ours.
  const std::string at = where();
  release();
  short_of_replicas = true;
  throw Error(ErrorKind::unavailable,
              fmt::format("lock '{}' reached {} of {} replicas of {} within {}; released it", spec.name, reached,
                          wanted, at, detail::seconds_text(replica_wait())));
}

Connection& Lock::Impl::connection() {
  return link.connection(keys.lock);
}

std::string Lock::Impl::where() {
  return connection().where();
}

Reply Lock::Impl::read_reply_by(Clock::time_point deadline, std::string_view waiting_for) {
  // The wake fd is not watched: one the caller leaves readable would make
  // this wait spin, and a signal only shortens one round.
  const WakeSuspended unwatched(link);
  Connection& at = connection();
  for (;;) {
    if (auto reply = at.read_reply_until(deadline)) {
      return std::move(*reply);
    }
    if (Clock::now() >= deadline) {
      throw Error(ErrorKind::unavailable,
                  fmt::format("no reply from {} to {} of lock '{}'", at.where(), waiting_for, spec.name));
    }
  }
}

void Lock::Impl::finish_pending(std::optional<Clock::time_point> deadline) {
  // An interrupted wait left a blocking pop outstanding; its reply comes
  // by its own timeout.
  if (pending_pop_until) {
    const auto until = deadline ? std::min(*deadline, *pending_pop_until) : *pending_pop_until;
    pending_pop_until.reset();
    read_reply_by(until, "a wait");
  }
  if (renewal_sent) {
    await_renewal(deadline);
  }
}

Reply Lock::Impl::run_by(std::initializer_list<std::string_view> args, std::optional<Clock::time_point> deadline) {
  if (!deadline) {
    return run(args);
  }
  Connection& at = connection();
  at.append(detail::lock_script_call(true, keys, args));
  at.flush();
  Reply reply = read_reply_by(*deadline, "a release");
  if (detail::is_noscript(reply) || detail::redirection(reply)) {
    // Rare (a restarted server, a moved slot): the whole path, unbounded.
    return run(args);
  }
  return reply;
}

std::string Lock::Impl::limit_arg() const {
  return spec.shared ? "0" : std::to_string(spec.limit);
}

namespace {

// The name used otherwise than `spec` asks: `in_use` is the limit the
// script found (1: a plain lock, 0: shared).
std::string limit_conflict(const LockSpec& spec, long long in_use) {
  const auto kind = [](long long limit) {
    return limit == 0   ? std::string("a shared lock")
           : limit == 1 ? std::string("a plain lock")
                        : fmt::format("a semaphore of {}", limit);
  };
  const long long asked = spec.shared ? 0 : spec.limit;
  return fmt::format("lock '{}' is in use as {}, not {}: every user of a name must give the same limit", spec.name,
                     kind(in_use), in_use > 1 && asked > 1 ? std::to_string(asked) : kind(asked));
}

} // namespace

Attempt Lock::Impl::attempt_once(bool queue) {
  short_of_replicas = false;
  const std::string what = fmt::format("cannot acquire lock '{}'", spec.name);
  const std::string ttl = std::to_string(spec.ttl.count());
  const std::string limit = limit_arg();
  finish_pending();
  const std::string history_len = std::to_string(spec.history_len);
  const std::string wait_start = wait_start_ms > 0 ? std::to_string(wait_start_ms) : std::string();
  const std::string once_per = std::to_string(spec.once_per.count());
  const std::string queue_ms = queue ? std::to_string(shared_queue_lapse.count()) : "0";
  const auto sent = Clock::now();
  const Reply reply = expect_ok(run({"acquire", token, ttl, meta, limit, history_len, wait_start, once_per,
                                     spec.once_per_any_outcome ? "1" : "0", queue_ms}),
                                what);
  answered = true;
  reopened_after.clear();
  using Type = Reply::Type;
  const long long outcome = detail::lock_reply_element(reply, 0, Type::integer, what).integer;
  const long long value = detail::lock_reply_element(reply, 1, Type::integer, what).integer;
  Attempt attempt;
  if (outcome == -2) {
    attempt.window_run = detail::parse_window_run(reply, what);
    return attempt;
  }
  if (outcome == 1) {
    wait_start_ms = 0;
    queued = false;
    held = true;
    fence = value;
    lease_start = sent;
    // A shortfall is followed as a failover is (the master may have been
    // demoted), and counts against the link's limit: not progress yet.
    confirm_on_replica();
    link.progress();
    attempt.acquired = true;
    attempt.fence = value;
    return attempt;
  }
  if (outcome == -1) {
    throw Error(ErrorKind::usage, limit_conflict(spec, value));
  }
  const Holder holder = detail::parse_holder(detail::lock_reply_element(reply, 2, Type::string, what).str, value,
                                             detail::lock_reply_element(reply, 3, what),
                                             detail::lock_reply_element(reply, 5, Type::integer, what).integer);
  attempt.holder_count = detail::lock_reply_element(reply, 4, Type::integer, what).integer;
  if (wait_start_ms == 0) {
    wait_start_ms = detail::lock_reply_element(reply, 5, Type::integer, what).integer;
  }
  retry_after = holder.left ? *holder.left + expiry_margin : foreign_recheck;
  if (!holder.ours) {
    retry_after = std::min(retry_after, foreign_recheck);
  }
  if (detail::lock_reply_element(reply, 6, Type::integer, what).integer == 1) {
    queued = true;
    retry_after = std::min(retry_after, queue_refresh);
  }
  attempt.holders.push_back(holder);
  return attempt;
}

void Lock::Impl::dequeue() {
  if (std::exchange(queued, false)) {
    expect_ok(run({"dequeue", token}), fmt::format("cannot leave the queue of lock '{}'", spec.name));
  }
}

AcquireResult Lock::Impl::acquire(std::optional<Clock::time_point> deadline,
                                  const std::function<void(const Attempt&)>& on_wait,
                                  std::optional<milliseconds> wake_every) {
  for (;;) {
    try {
      if (const auto result = acquire_step(deadline, on_wait, wake_every)) {
        return *result;
      }
    } catch (const Error& error) {
      if (std::exchange(short_of_replicas, false) && !(deadline && Clock::now() >= *deadline)) {
        // Waited for as the lock is: the replicas may come back, or the
        // master may have been demoted (the link asks the Sentinels again).
        link.reset();
        if (!link.pause_until(Clock::now() + replica_wait())) {
          return AcquireResult::interrupted;
        }
        continue;
      }
      if (is_slot_migrating(error) && !(deadline && Clock::now() >= *deadline)) {
        if (!pause_while_slot_moves()) {
          return AcquireResult::interrupted;
        }
        continue;
      }
      if (!recover_waiting(error, deadline)) {
        return AcquireResult::interrupted;
      }
    }
  }
}

bool Lock::Impl::recover_waiting(const Error& error, std::optional<Clock::time_point> deadline) {
  if (!suggests_failover(error)) {
    throw error;
  }
  // What was owed went with the old connection.
  pending_pop_until.reset();
  renewal_sent.reset();
  if (reopens()) {
    if (!may_reopen(error)) {
      throw Error(error, since_reopen(error));
    }
    // The wait goes on at the same server, connected by the caller's
    // deadline.
    std::optional<WaitLimited> by;
    if (deadline) {
      by.emplace(link, *deadline);
    }
    reopen(error);
    return true;
  }
  return deadline ? link.recover_before(error, *deadline) : link.recover(error);
}

bool Lock::Impl::reopens() const {
  // A Sentinel or Cluster link, or one whose policy reconnects, is mended
  // by the link (recover_waiting, follow_failover).
  return link.topology() == Topology::standalone && !link.options().reconnect.enabled;
}

bool Lock::Impl::may_reopen(const Error& lost) const {
  return reopens() && lost.kind() == ErrorKind::unavailable && answered;
}

std::string Lock::Impl::since_reopen(const Error& error) const {
  return reopened_after.empty() ? error.what() : fmt::format("{}; after it: {}", reopened_after, error.what());
}

void Lock::Impl::reopen(const Error& lost) {
  answered = false;
  reopened_after = lost.what();
  pending_pop_until.reset();
  renewal_sent.reset();
  renewal_reply.reset();
  link.reset();
  const WakeSuspended unwatched(link);
  try {
    connection();
  } catch (const Error& again) {
    throw Error(lost, since_reopen(again));
  }
}

std::optional<AcquireResult> Lock::Impl::acquire_step(std::optional<Clock::time_point> deadline,
                                                      const std::function<void(const Attempt&)>& on_wait,
                                                      std::optional<milliseconds> wake_every) {
  Connection& at = connection();
  if (!pending_pop_until) {
    const Attempt attempt = attempt_once(!(deadline && Clock::now() >= *deadline));
    if (attempt.acquired) {
      return AcquireResult::acquired;
    }
    if (attempt.window_run) {
      dequeue();
      window_run = attempt.window_run;
      return AcquireResult::already_ran;
    }
    if (on_wait) {
      on_wait(attempt);
    }
    const auto now = Clock::now();
    if (deadline && now >= *deadline) {
      dequeue();
      return AcquireResult::timed_out;
    }
    // Until a release signals, the first lease ends, or the caller's
    // deadline; a holder that expires without releasing is seen by time.
    milliseconds wait = retry_after;
    if (deadline) {
      wait = std::min(wait, std::chrono::ceil<milliseconds>(*deadline - now));
    }
    if (wake_every) {
      wait = std::min(wait, *wake_every);
    }
    // Queued behind shared holders: woken first when they have gone.
    if (queued) {
      at.append({"BLPOP", keys.xsignal, keys.signal, pop_timeout(wait)});
    } else {
      at.append({"BLPOP", keys.signal, pop_timeout(wait)});
    }
    at.flush();
    // The server answers by the pop's own timeout: a reply later than
    // that plus the reply timeout means the server has stopped answering.
    pending_pop_until = now + wait + link.endpoint().reply_timeout;
  }
  const auto reply = at.read_reply_until(*pending_pop_until);
  if (!reply) {
    if (Clock::now() >= *pending_pop_until) {
      pending_pop_until.reset();
      answered = false; // a new connection does not mend a server that has stopped answering
      throw Error(ErrorKind::unavailable,
                  fmt::format("no reply from {} within {} while waiting for lock '{}'", at.where(),
                              detail::seconds_text(link.endpoint().reply_timeout), spec.name));
    }
    return AcquireResult::interrupted;
  }
  pending_pop_until.reset();
  if (detail::redirection(*reply)) {
    // The lock's slot is moving to another node (ASK: the signal key is
    // there already; MOVED: the move is done). Look again shortly: the
    // next attempt follows the redirection.
    if (!pause_while_slot_moves()) {
      return AcquireResult::interrupted;
    }
    return std::nullopt;
  }
  expect_ok(*reply, fmt::format("cannot wait for lock '{}'", spec.name));
  return std::nullopt;
}

bool Lock::Impl::pause_while_slot_moves() const {
  return link.pause_until(Clock::now() + slot_migration_retry);
}

void Lock::Impl::send_renewal() {
  if (!held || renewal_sent) {
    return;
  }
  finish_pending();
  const std::string ttl = std::to_string(spec.ttl.count());
  const std::string limit = limit_arg();
  // Where replicas are waited for, the renewal counts once they have it (a
  // demoted master that still takes writes has none): WAIT in the same
  // round trip.
  const int wanted = replicas_to_wait();
  renewal_waits = wanted > 0;
  Connection& at = connection();
  at.append(detail::lock_script_call(true, keys, {"renew", token, ttl, limit}));
  if (renewal_waits) {
    at.append({"WAIT", std::to_string(wanted), std::to_string(replica_wait().count())});
  }
  renewal_sent = Clock::now();
  at.flush();
}

std::optional<bool> Lock::Impl::collect_renewal() {
  if (!renewal_sent) {
    return std::nullopt;
  }
  Connection& at = connection();
  if (!renewal_reply && !(renewal_reply = at.read_reply_until(Clock::now()))) {
    return std::nullopt;
  }
  std::optional<Reply> waited;
  if (renewal_waits && !(waited = at.read_reply_until(Clock::now()))) {
    return std::nullopt;
  }
  Reply reply = std::move(*renewal_reply);
  renewal_reply.reset();
  return apply_renewal(reply, waited);
}

bool Lock::Impl::await_renewal(std::optional<Clock::time_point> deadline) {
  const auto next = [&] {
    return deadline ? read_reply_by(*deadline, "a renewal") : connection().read_reply();
  };
  Reply reply = renewal_reply ? std::move(*renewal_reply) : next();
  renewal_reply.reset();
  std::optional<Reply> waited;
  if (renewal_waits) {
    waited = next();
  }
  return apply_renewal(reply, waited);
}

bool Lock::Impl::apply_renewal(const Reply& reply, std::optional<Reply> waited) {
  const auto sent = *renewal_sent;
  renewal_sent.reset();
  Reply outcome = reply;
  if (detail::is_noscript(outcome) || detail::redirection(outcome)) {
    waited.reset(); // sent again without it
    // Sent again, and the redirection followed (the link learns the new
    // owner): a new node may not have the script.
    const std::string ttl = std::to_string(spec.ttl.count());
    const std::string limit = limit_arg();
    outcome = run({"renew", token, ttl, limit});
  }
  expect_ok(outcome, fmt::format("cannot renew lock '{}'", spec.name));
  answered = true;
  reopened_after.clear();
  if (outcome.type != Reply::Type::integer) {
    throw Error(ErrorKind::protocol,
                fmt::format("cannot renew lock '{}': unexpected reply {}", spec.name, outcome.describe()));
  }
  if (outcome.integer == 1) {
    if (waited && !(waited->type == Reply::Type::integer && waited->integer >= replicas_to_wait())) {
      // Not every replica waited for has it: a failover now would lose it, and a master
      // that has been demoted without knowing it yet (a manual failover)
      // takes it unreplicated while the new master lets the lease run
      // out. Not counted: sent again shortly, until the give-up point.
      renewal_retry_at = Clock::now() + replica_wait();
      return true;
    }
    lease_start = sent;
    link.progress();
    return true;
  }
  held = false;
  return false;
}

bool Lock::Impl::renew() {
  send_renewal();
  if (!renewal_sent) {
    return false;
  }
  return await_renewal(std::nullopt);
}

LeaseNews Lock::Impl::keep() {
  if (!held) {
    return {};
  }
  const WaitLimited by_give_up(link, lease_start + give_up_after());
  if (failover) {
    return follow_failover();
  }
  LeaseNews news;
  const auto now = Clock::now();
  try {
    if (renewal_sent) {
      // A cluster's MOVED is followed inside the renewal: the lock's key
      // is then served elsewhere.
      const std::string was_at = where();
      const auto renewed = collect_renewal();
      if (renewed && !*renewed) {
        return lose("it was deleted or taken over");
      }
      if (renewed && where() != was_at) {
        news.kept_at = where();
      }
    } else if (readable(connection().fd())) {
      // Between renewals the server closed the connection (a restart
      // without persistence takes the lease with it, and another holder
      // can acquire at once) or said something: the renewal tells which.
      renew_now = true;
    }
    if (!renewal_sent && (renew_now || now >= std::max(lease_start + renew_after(), renewal_retry_at))) {
      renew_now = false;
      send_renewal();
    }
  } catch (const Error& error) {
    if (Clock::now() >= lease_start + give_up_after()) {
      // A wait ended by the give-up point (the link's wait limit).
      return lose(fmt::format("not renewed within {}", detail::seconds_text(give_up_after())));
    }
    if (is_slot_migrating(error)) {
      // Until the migration is done, or the lease runs out.
      renewal_retry_at = now + slot_migration_retry;
    } else if (suggests_failover(error) &&
               (link.topology() != Topology::standalone || link.options().reconnect.enabled)) {
      failover = error;
      failover_first = error.what();
      return {true, {}, error.what(), {}, now};
    } else if (may_reopen(error)) {
      // The lease is still this token's if the server kept it: the
      // renewal, sent at once on the new connection, says so.
      try {
        reopen(error);
      } catch (const Error& again) {
        return lose(again.what());
      }
      renew_now = true;
    } else {
      return lose(since_reopen(error));
    }
  }
  const auto give_up = lease_start + give_up_after();
  if (now >= give_up) {
    return lose(fmt::format("not renewed within {}", detail::seconds_text(give_up_after())));
  }
  news.held = true;
  news.next = renew_now      ? now
              : renewal_sent ? give_up
                             : std::min(give_up, std::max(lease_start + renew_after(), renewal_retry_at));
  return news;
}

// Renews at the new master or slot owner: the lock goes on if it was
// replicated before the failover, and is lost (never silently shared) if
// not, or if none is found before the give-up point.
LeaseNews Lock::Impl::follow_failover() {
  const auto give_up = lease_start + give_up_after();
  try {
    if (!recover_waiting(*failover, give_up)) {
      return {true, {}, {}, {}, Clock::now()}; // woken: the caller looks at why, then calls again
    }
    failover.reset();
    if (!renew()) {
      return lose("it did not survive the failover");
    }
    return {true, {}, {}, where(), Clock::now()};
  } catch (const Error& again) {
    // A node on its way down may still take a connection and then drop
    // it, and the map may name it until its replica takes over: look
    // again, up to the give-up point (which bounds these rounds, so they
    // do not count against the link's failover limit).
    if (suggests_failover(again) && Clock::now() + slot_migration_retry < give_up) {
      failover = again;
      link.progress();
      if (!link.pause_until(Clock::now() + slot_migration_retry)) {
        return {true, {}, {}, {}, Clock::now()};
      }
      return follow_failover();
    }
    const std::string first = failover_first;
    failover.reset();
    return lose(again.what() == first ? first : fmt::format("{}; after it: {}", first, again.what()));
  }
}

LeaseNews Lock::Impl::lose(std::string why) {
  held = false;
  failover.reset();
  LeaseNews news;
  news.lost = std::move(why);
  return news;
}

int Lock::Impl::lease_fd() {
  if (!held || failover) {
    return -1;
  }
  try {
    return connection().fd();
  } catch (const Error&) {
    return -1; // keep() finds out why
  }
}

long long Lock::Impl::wait_replicas(int count) {
  finish_pending();
  const auto timeout = link.endpoint().reply_timeout * 3 / 4;
  const Reply reply =
      expect_ok(link.command({"WAIT", std::to_string(count), std::to_string(timeout.count())}, keys.lock),
                fmt::format("cannot wait for replicas of lock '{}'", spec.name));
  if (reply.type != Reply::Type::integer) {
    throw Error(ErrorKind::protocol, fmt::format("unexpected reply to WAIT: {}", reply.describe()));
  }
  return reply.integer;
}

bool Lock::Impl::release(milliseconds hold) {
  if (!held) {
    return false;
  }
  finish_pending();
  if (!held) {
    return false;
  }
  held = false;
  const std::string limit = limit_arg();
  const Reply reply = hold.count() > 0 ? run({"renew", token, std::to_string(hold.count()), limit, "hold"})
                                       : run({"release", token, limit});
  return expect_ok(reply, fmt::format("cannot release lock '{}'", spec.name)).integer == 1;
}

Lock::Lock(Link& link, LockSpec spec) : impl_(std::make_unique<Impl>(link, std::move(spec))) {}
Lock::~Lock() = default;

Attempt Lock::try_acquire() {
  return impl_->try_acquire();
}

AcquireResult Lock::acquire(std::optional<Clock::time_point> deadline,
                            const std::function<void(const Attempt&)>& on_wait,
                            std::optional<milliseconds> wake_every) {
  return impl_->acquire(deadline, on_wait, wake_every);
}

milliseconds Lock::renew_after() const noexcept {
  return impl_->renew_after();
}

milliseconds Lock::give_up_after() const noexcept {
  return impl_->give_up_after();
}

LeaseNews Lock::keep() {
  return impl_->keep();
}

int Lock::lease_fd() {
  return impl_->lease_fd();
}

void Lock::send_renewal() {
  impl_->send_renewal();
}

bool Lock::renewal_in_flight() const noexcept {
  return impl_->renewal_sent.has_value();
}

std::optional<bool> Lock::collect_renewal() {
  return impl_->collect_renewal();
}

bool Lock::renew() {
  return impl_->renew();
}

long long Lock::wait_replicas(int replicas) {
  return impl_->wait_replicas(replicas);
}

bool Lock::release(milliseconds hold) {
  return impl_->release(hold);
}

long long Lock::wait_start_ms() const noexcept {
  return impl_->wait_start_ms;
}

const std::optional<WindowRun>& Lock::window_run() const noexcept {
  return impl_->window_run;
}

bool Lock::held() const noexcept {
  return impl_->held;
}

long long Lock::fence() const noexcept {
  return impl_->fence;
}

Clock::time_point Lock::lease_start() const noexcept {
  return impl_->lease_start;
}

const LockSpec& Lock::spec() const noexcept {
  return impl_->spec;
}

Link& Lock::link() noexcept {
  return impl_->link;
}

std::string Lock::where() {
  return impl_->where();
}

LockGuard::~LockGuard() {
  try {
    lock_.release();
  } catch (const Error&) {
    // The lease runs out on its own.
  }
}

} // namespace statesync
