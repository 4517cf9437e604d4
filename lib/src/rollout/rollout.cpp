#include <statesync/error.hpp>
#include <statesync/reply.hpp>
#include <statesync/rollout.hpp>
#include <statesync/state_mirror.hpp>

#include <fmt/format.h>

#include <charconv>
#include <unistd.h>

namespace statesync {
namespace {

std::string halt_key(std::string_view prefix, std::string_view name) {
  return fmt::format("{}rollout:{{{}}}:halt", prefix, name);
}

std::string system_host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) {
    return "unknown";
  }
  return name;
}

Reply checked(Reply reply, std::string_view what) {
  if (reply.is_error()) {
    throw Error(reply, std::string(what));
  }
  return reply;
}

// Tells take_turn's waits apart, so that `stop` is asked between them.
constexpr std::chrono::milliseconds turn_wait{500};

// Deletes the halt unless it is of ARGV[1]'s state.
constexpr std::string_view clear_other_halt = R"(
if redis.call('HGET', KEYS[1], 'digest') ~= ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0)";

} // namespace

struct Rollout::Impl {
  RolloutSpec spec;
  Link link;
  std::string key;

  explicit Impl(RolloutSpec s) : spec(std::move(s)), link(spec.link), key(halt_key(spec.prefix, spec.name)) {}
};

Rollout::Rollout(RolloutSpec spec) {
  if (spec.name.empty()) {
    throw Error(ErrorKind::usage, "a rollout needs a name");
  }
  if (spec.parallel < 1) {
    throw Error(ErrorKind::usage, "a rollout's parallel turns must be 1 or more");
  }
  if (spec.host.empty()) {
    spec.host = system_host_name();
  }
  impl_ = std::make_unique<Impl>(std::move(spec));
}

Rollout::Rollout(Rollout&&) noexcept = default;
Rollout::~Rollout() = default;

std::optional<LockSession> Rollout::take_turn(const std::function<bool()>& stop) {
  LockSessionOptions options;
  options.link = impl_->spec.link;
  options.lock.name = impl_->spec.name;
  options.lock.prefix = impl_->spec.prefix;
  options.lock.ttl = impl_->spec.ttl;
  options.lock.limit = impl_->spec.parallel;
  options.lock.host = impl_->spec.host;
  options.wait = turn_wait;
  for (;;) {
    if (stop && stop()) {
      return std::nullopt;
    }
    if (auto session = LockSession::start(options)) {
      return session;
    }
  }
}

RolloutTurn Rollout::apply(StateMirror& mirror, const RolloutSteps& steps) {
  RolloutTurn turn;
  if (!mirror.pending()) {
    return turn;
  }
  if (!mirror.differs()) {
    turn.applied = mirror.apply(); // a host whose files hold the state skips its turn
    return turn;
  }
  const std::string digest = mirror.pending_digest();
  const std::optional<long long> version = mirror.pending_version();
  std::optional<LockSession> session = take_turn(steps.stop);
  if (!session) {
    turn.outcome = RolloutTurn::Outcome::stopped;
    return turn;
  }
  // Checked under the lock: a host that halts does so in its turn, so no
  // host that takes its turn after it misses the halt.
  turn.halt = halt();
  if (turn.halt && turn.halt->digest == digest) {
    mirror.discard();
    session->release();
    turn.outcome = RolloutTurn::Outcome::halted;
    return turn;
  }
  turn.applied = mirror.apply(steps.validate);
  if (!turn.applied.refused.empty()) {
    turn.halt = RolloutHalt{digest, host(), version, "--validate " + turn.applied.refused.front().reason};
    halt(*turn.halt);
    session->finish({RunOutcome::failed, 1});
    turn.outcome = RolloutTurn::Outcome::refused;
    return turn;
  }
  if (turn.applied.changes.empty()) {
    session->release();
    return turn;
  }
  if (steps.on_change) {
    steps.on_change(turn.applied.changes);
  }
  if (const std::optional<HealthFailure> failure = steps.health ? steps.health() : std::nullopt) {
    mirror.revert(turn.applied.changes);
    if (steps.on_change) {
      steps.on_change(turn.applied.changes);
    }
    turn.halt = RolloutHalt{digest, host(), version, "--health " + failure->reason};
    halt(*turn.halt);
    session->finish({RunOutcome::failed, failure->status});
    turn.outcome = RolloutTurn::Outcome::rolled_back;
    return turn;
  }
  clear_halt_unless(digest);
  turn.halt.reset();
  session->finish({RunOutcome::ok});
  turn.outcome = RolloutTurn::Outcome::applied;
  return turn;
}

std::optional<RolloutHalt> Rollout::halt() {
  return rollout_halt(impl_->link, impl_->spec.prefix, impl_->spec.name);
}

void Rollout::halt(const RolloutHalt& halt) {
  const std::string version = halt.version ? std::to_string(*halt.version) : "";
  const std::string_view args[] = {"HSET",    impl_->key, "digest", halt.digest, "host",
                                   halt.host, "version",  version,  "reason",    halt.reason};
  checked(impl_->link.command(args, impl_->key), fmt::format("cannot halt rollout '{}'", impl_->spec.name));
}

void Rollout::clear_halt_unless(const std::string& digest) {
  checked(impl_->link.command({"EVAL", clear_other_halt, "1", impl_->key, digest}, impl_->key),
          fmt::format("cannot clear the halt of rollout '{}'", impl_->spec.name));
}

const std::string& Rollout::host() const noexcept {
  return impl_->spec.host;
}

std::optional<RolloutHalt> rollout_halt(Link& link, std::string_view prefix, std::string_view name) {
  const std::string key = halt_key(prefix, name);
  const Reply reply =
      checked(link.command({"HGETALL", key}, key), fmt::format("cannot read the halt of rollout '{}'", name));
  if (reply.type != Reply::Type::array || reply.elements.empty()) {
    return std::nullopt;
  }
  RolloutHalt halt;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    const std::string& field = reply.elements[i].str;
    const std::string& value = reply.elements[i + 1].str;
    if (field == "digest") {
      halt.digest = value;
    } else if (field == "host") {
      halt.host = value;
    } else if (field == "reason") {
      halt.reason = value;
    } else if (field == "version" && !value.empty()) {
      long long version = 0;
      if (std::from_chars(value.data(), value.data() + value.size(), version).ec == std::errc()) {
        halt.version = version;
      }
    }
  }
  return halt;
}

} // namespace statesync
