// The lock's lifecycle: acquire (waiting on the release signal), renew,
// release. Every state change is one run of lock.lua.

#include "lock/history_reply.hpp"
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
          base + ":window"};
}

Lock::Lock(Link& link, LockSpec spec) : link_(link), spec_(std::move(spec)) {
  if (spec_.name.empty()) {
    throw Error(ErrorKind::usage, "a lock needs a name");
  }
  if (spec_.ttl < milliseconds(1)) {
    throw Error(ErrorKind::usage, "a lock's TTL must be at least 1 ms");
  }
  if (spec_.limit < 1) {
    throw Error(ErrorKind::usage, "a semaphore's limit must be at least 1");
  }
  detail::check_history_spec(spec_);
  keys_ = lock_keys(spec_.prefix, spec_.name);
  if (spec_.host.empty()) {
    spec_.host = host_name();
  }
  token_ = make_token(spec_.host);
  meta_ = fmt::format("{} {}", ::getpid(), spec_.host);
}

Lock::~Lock() = default;

Reply Lock::run(std::initializer_list<std::string_view> args) {
  return detail::run_lock_script(link_, keys_, args);
}

Reply Lock::run_learning_replicas(std::initializer_list<std::string_view> args) {
  Connection& at = connection();
  if (replicas_at_ == at.where()) {
    return run(args);
  }
  // What the server's replicas are comes with the script's reply, in the
  // same round trip.
  at.append(detail::lock_script_call(true, keys_, args));
  at.append({"INFO", "replication"});
  at.flush();
  Reply reply = at.read_reply();
  replicas_ = detail::connected_replicas(at.read_reply());
  replicas_at_ = at.where();
  if (detail::is_noscript(reply) || detail::redirection(reply)) {
    return run(args);
  }
  return reply;
}

long long Lock::replicas_here() {
  if (const std::string at = where(); replicas_at_ != at) {
    replicas_ = detail::connected_replicas(link_.command({"INFO", "replication"}, keys_.lock));
    replicas_at_ = at;
  }
  return replicas_;
}

milliseconds Lock::replica_wait() const {
  return std::clamp(spec_.ttl / 6, milliseconds(1), milliseconds(1000));
}

void Lock::confirm_on_replica() {
  if (replicas_here() == 0) {
    return;
  }
  const Reply waited = link_.command({"WAIT", "1", std::to_string(replica_wait().count())}, keys_.lock);
  if (waited.type == Reply::Type::integer && waited.integer >= 1) {
    return;
  }
  // A failover now would lose it, or a demoted master took it: not ours.
  release();
  throw Error(ErrorKind::unavailable, fmt::format("lock '{}' reached no replica of {} within {}; released it",
                                                  spec_.name, where(), detail::seconds_text(replica_wait())));
}

Connection& Lock::connection() {
  return link_.connection(keys_.lock);
}

std::string Lock::where() {
  return connection().where();
}

Reply Lock::read_reply_by(Clock::time_point deadline, std::string_view waiting_for) {
  // The wake fd is not watched: one the caller leaves readable would make
  // this wait spin, and a signal only shortens one round.
  const WakeSuspended unwatched(link_);
  Connection& at = connection();
  for (;;) {
    if (auto reply = at.read_reply_until(deadline)) {
      return std::move(*reply);
    }
    if (Clock::now() >= deadline) {
      throw Error(ErrorKind::unavailable,
                  fmt::format("no reply from {} to {} of lock '{}'", at.where(), waiting_for, spec_.name));
    }
  }
}

void Lock::finish_pending(std::optional<Clock::time_point> deadline) {
  // An interrupted wait left a blocking pop outstanding; its reply comes
  // by its own timeout.
  if (pending_pop_until_) {
    const auto until = deadline ? std::min(*deadline, *pending_pop_until_) : *pending_pop_until_;
    pending_pop_until_.reset();
    read_reply_by(until, "a wait");
  }
  if (renewal_sent_) {
    await_renewal(deadline);
  }
}

Reply Lock::run_by(std::initializer_list<std::string_view> args, std::optional<Clock::time_point> deadline) {
  if (!deadline) {
    return run(args);
  }
  Connection& at = connection();
  at.append(detail::lock_script_call(true, keys_, args));
  at.flush();
  Reply reply = read_reply_by(*deadline, "a release");
  if (detail::is_noscript(reply) || detail::redirection(reply)) {
    // Rare (a restarted server, a moved slot): the whole path, unbounded.
    return run(args);
  }
  return reply;
}

Attempt Lock::try_acquire() {
  const std::string what = fmt::format("cannot acquire lock '{}'", spec_.name);
  const std::string ttl = std::to_string(spec_.ttl.count());
  const std::string limit = std::to_string(spec_.limit);
  finish_pending();
  const std::string history_len = std::to_string(spec_.history_len);
  const std::string wait_start = wait_start_ms_ > 0 ? std::to_string(wait_start_ms_) : std::string();
  const std::string once_per = std::to_string(spec_.once_per.count());
  const auto sent = Clock::now();
  const Reply reply = expect_ok(run_learning_replicas({"acquire", token_, ttl, meta_, limit, history_len, wait_start,
                                                       once_per, spec_.once_per_any_outcome ? "1" : "0"}),
                                what);
  using Type = Reply::Type;
  const long long outcome = detail::lock_reply_element(reply, 0, Type::integer, what).integer;
  const long long value = detail::lock_reply_element(reply, 1, Type::integer, what).integer;
  Attempt attempt;
  if (outcome == -2) {
    attempt.window_run = detail::parse_window_run(reply, what);
    return attempt;
  }
  if (outcome == 1) {
    link_.progress();
    wait_start_ms_ = 0;
    held_ = true;
    fence_ = value;
    lease_start_ = sent;
    confirm_on_replica();
    attempt.acquired = true;
    attempt.fence = value;
    return attempt;
  }
  if (outcome == -1) {
    throw Error(ErrorKind::usage,
                value == 1 ? fmt::format("lock '{}' is in use as a plain lock, not a semaphore of {}: every user of a "
                                         "name must give the same limit",
                                         spec_.name, spec_.limit)
                           : fmt::format("lock '{}' is in use as a semaphore of {}, not {}: every user of a name "
                                         "must give the same limit",
                                         spec_.name, value, spec_.limit));
  }
  const Holder holder = detail::parse_holder(detail::lock_reply_element(reply, 2, Type::string, what).str, value,
                                             detail::lock_reply_element(reply, 3, what),
                                             detail::lock_reply_element(reply, 5, Type::integer, what).integer);
  attempt.holder_count = detail::lock_reply_element(reply, 4, Type::integer, what).integer;
  if (wait_start_ms_ == 0) {
    wait_start_ms_ = detail::lock_reply_element(reply, 5, Type::integer, what).integer;
  }
  retry_after_ = holder.left ? *holder.left + expiry_margin : foreign_recheck;
  if (!holder.ours) {
    retry_after_ = std::min(retry_after_, foreign_recheck);
  }
  attempt.holders.push_back(holder);
  return attempt;
}

AcquireResult Lock::acquire(std::optional<Clock::time_point> deadline,
                            const std::function<void(const Attempt&)>& on_wait,
                            std::optional<milliseconds> wake_every) {
  for (;;) {
    try {
      if (const auto result = acquire_step(deadline, on_wait, wake_every)) {
        return *result;
      }
    } catch (const Error& error) {
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

bool Lock::recover_waiting(const Error& error, std::optional<Clock::time_point> deadline) {
  if (!suggests_failover(error)) {
    throw error;
  }
  // What was owed went with the old connection.
  pending_pop_until_.reset();
  renewal_sent_.reset();
  return deadline ? link_.recover_before(error, *deadline) : link_.recover(error);
}

std::optional<AcquireResult> Lock::acquire_step(std::optional<Clock::time_point> deadline,
                                                const std::function<void(const Attempt&)>& on_wait,
                                                std::optional<milliseconds> wake_every) {
  Connection& at = connection();
  if (!pending_pop_until_) {
    const Attempt attempt = try_acquire();
    if (attempt.acquired) {
      return AcquireResult::acquired;
    }
    if (attempt.window_run) {
      window_run_ = attempt.window_run;
      return AcquireResult::already_ran;
    }
    if (on_wait) {
      on_wait(attempt);
    }
    const auto now = Clock::now();
    if (deadline && now >= *deadline) {
      return AcquireResult::timed_out;
    }
    // Until a release signals, the first lease ends, or the caller's
    // deadline; a holder that expires without releasing is seen by time.
    milliseconds wait = retry_after_;
    if (deadline) {
      wait = std::min(wait, std::chrono::ceil<milliseconds>(*deadline - now));
    }
    if (wake_every) {
      wait = std::min(wait, *wake_every);
    }
    at.append({"BLPOP", keys_.signal, pop_timeout(wait)});
    at.flush();
    // The server answers by the pop's own timeout: a reply later than
    // that plus the reply timeout means the server has stopped answering.
    pending_pop_until_ = now + wait + link_.endpoint().reply_timeout;
  }
  const auto reply = at.read_reply_until(*pending_pop_until_);
  if (!reply) {
    if (Clock::now() >= *pending_pop_until_) {
      pending_pop_until_.reset();
      throw Error(ErrorKind::unavailable,
                  fmt::format("no reply from {} within {} while waiting for lock '{}'", at.where(),
                              detail::seconds_text(link_.endpoint().reply_timeout), spec_.name));
    }
    return AcquireResult::interrupted;
  }
  pending_pop_until_.reset();
  if (detail::redirection(*reply)) {
    // The lock's slot is moving to another node (ASK: the signal key is
    // there already; MOVED: the move is done). Look again shortly: the
    // next attempt follows the redirection.
    if (!pause_while_slot_moves()) {
      return AcquireResult::interrupted;
    }
    return std::nullopt;
  }
  expect_ok(*reply, fmt::format("cannot wait for lock '{}'", spec_.name));
  return std::nullopt;
}

bool Lock::pause_while_slot_moves() const {
  return link_.pause_until(Clock::now() + slot_migration_retry);
}

void Lock::send_renewal() {
  if (!held_ || renewal_sent_) {
    return;
  }
  finish_pending();
  const std::string ttl = std::to_string(spec_.ttl.count());
  const std::string limit = std::to_string(spec_.limit);
  // Where the server has replicas, the renewal counts once one has it (a
  // demoted master that still takes writes has none): WAIT in the same
  // round trip.
  renewal_waits_ = replicas_here() > 0;
  Connection& at = connection();
  at.append(detail::lock_script_call(true, keys_, {"renew", token_, ttl, limit}));
  if (renewal_waits_) {
    at.append({"WAIT", "1", std::to_string(replica_wait().count())});
  }
  renewal_sent_ = Clock::now();
  at.flush();
}

std::optional<bool> Lock::collect_renewal() {
  if (!renewal_sent_) {
    return std::nullopt;
  }
  Connection& at = connection();
  if (!renewal_reply_ && !(renewal_reply_ = at.read_reply_until(Clock::now()))) {
    return std::nullopt;
  }
  std::optional<Reply> waited;
  if (renewal_waits_ && !(waited = at.read_reply_until(Clock::now()))) {
    return std::nullopt;
  }
  Reply reply = std::move(*renewal_reply_);
  renewal_reply_.reset();
  return apply_renewal(reply, waited);
}

bool Lock::await_renewal(std::optional<Clock::time_point> deadline) {
  const auto next = [&] {
    return deadline ? read_reply_by(*deadline, "a renewal") : connection().read_reply();
  };
  Reply reply = renewal_reply_ ? std::move(*renewal_reply_) : next();
  renewal_reply_.reset();
  std::optional<Reply> waited;
  if (renewal_waits_) {
    waited = next();
  }
  return apply_renewal(reply, waited);
}

bool Lock::apply_renewal(const Reply& reply, std::optional<Reply> waited) {
  const auto sent = *renewal_sent_;
  renewal_sent_.reset();
  Reply outcome = reply;
  if (detail::is_noscript(outcome) || detail::redirection(outcome)) {
    waited.reset(); // sent again without it
    // Sent again, and the redirection followed (the link learns the new
    // owner): a new node may not have the script.
    const std::string ttl = std::to_string(spec_.ttl.count());
    const std::string limit = std::to_string(spec_.limit);
    outcome = run({"renew", token_, ttl, limit});
  }
  expect_ok(outcome, fmt::format("cannot renew lock '{}'", spec_.name));
  if (outcome.type != Reply::Type::integer) {
    throw Error(ErrorKind::protocol,
                fmt::format("cannot renew lock '{}': unexpected reply {}", spec_.name, outcome.describe()));
  }
  if (outcome.integer == 1) {
    if (waited && !(waited->type == Reply::Type::integer && waited->integer >= 1)) {
      // No replica has it: a failover now would lose it, and a master
      // that has been demoted without knowing it yet (a manual failover)
      // takes it unreplicated while the new master lets the lease run
      // out. Not counted: sent again shortly, until the give-up point.
      renewal_retry_at_ = Clock::now() + replica_wait();
      return true;
    }
    lease_start_ = sent;
    link_.progress();
    return true;
  }
  held_ = false;
  return false;
}

bool Lock::renew() {
  send_renewal();
  if (!renewal_sent_) {
    return false;
  }
  return await_renewal(std::nullopt);
}

LeaseNews Lock::keep() {
  if (!held_) {
    return {};
  }
  if (failover_) {
    return follow_failover();
  }
  LeaseNews news;
  const auto now = Clock::now();
  try {
    if (renewal_sent_) {
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
      renew_now_ = true;
    }
    if (!renewal_sent_ && (renew_now_ || now >= std::max(lease_start_ + renew_after(), renewal_retry_at_))) {
      renew_now_ = false;
      send_renewal();
    }
  } catch (const Error& error) {
    if (is_slot_migrating(error)) {
      // Until the migration is done, or the lease runs out.
      renewal_retry_at_ = now + slot_migration_retry;
    } else if (suggests_failover(error) &&
               (link_.topology() != Topology::standalone || link_.options().reconnect.enabled)) {
      failover_ = error;
      failover_first_ = error.what();
      return {true, {}, error.what(), {}, now};
    } else {
      return lose(error.what());
    }
  }
  const auto give_up = lease_start_ + give_up_after();
  if (now >= give_up) {
    return lose(fmt::format("not renewed within {}", detail::seconds_text(give_up_after())));
  }
  news.held = true;
  news.next = renewal_sent_ ? give_up : std::min(give_up, std::max(lease_start_ + renew_after(), renewal_retry_at_));
  return news;
}

// Renews at the new master or slot owner: the lock goes on if it was
// replicated before the failover, and is lost (never silently shared) if
// not, or if none is found before the give-up point.
LeaseNews Lock::follow_failover() {
  const auto give_up = lease_start_ + give_up_after();
  try {
    if (!recover_waiting(*failover_, give_up)) {
      return {true, {}, {}, {}, Clock::now()}; // woken: the caller looks at why, then calls again
    }
    failover_.reset();
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
      failover_ = again;
      link_.progress();
      if (!link_.pause_until(Clock::now() + slot_migration_retry)) {
        return {true, {}, {}, {}, Clock::now()};
      }
      return follow_failover();
    }
    const std::string first = failover_first_;
    failover_.reset();
    return lose(again.what() == first ? first : fmt::format("{}; after it: {}", first, again.what()));
  }
}

LeaseNews Lock::lose(std::string why) {
  held_ = false;
  failover_.reset();
  LeaseNews news;
  news.lost = std::move(why);
  return news;
}

int Lock::lease_fd() {
  if (!held_ || failover_) {
    return -1;
  }
  try {
    return connection().fd();
  } catch (const Error&) {
    return -1; // keep() finds out why
  }
}

long long Lock::wait_replicas(int replicas) {
  finish_pending();
  const auto timeout = link_.endpoint().reply_timeout * 3 / 4;
  const Reply reply =
      expect_ok(link_.command({"WAIT", std::to_string(replicas), std::to_string(timeout.count())}, keys_.lock),
                fmt::format("cannot wait for replicas of lock '{}'", spec_.name));
  if (reply.type != Reply::Type::integer) {
    throw Error(ErrorKind::protocol, fmt::format("unexpected reply to WAIT: {}", reply.describe()));
  }
  return reply.integer;
}

bool Lock::release(milliseconds hold) {
  if (!held_) {
    return false;
  }
  finish_pending();
  if (!held_) {
    return false;
  }
  held_ = false;
  const std::string limit = std::to_string(spec_.limit);
  const Reply reply = hold.count() > 0 ? run({"renew", token_, std::to_string(hold.count()), limit, "hold"})
                                       : run({"release", token_, limit});
  return expect_ok(reply, fmt::format("cannot release lock '{}'", spec_.name)).integer == 1;
}

LockGuard::~LockGuard() {
  try {
    lock_.release();
  } catch (const Error&) {
    // The lease runs out on its own.
  }
}

} // namespace statesync
