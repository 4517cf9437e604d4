#pragma once
/// @file
/// Rolling a change across a fleet: each host applies a new state (its
/// files, its reload, its health check) in a turn under a lock, so that at
/// most `parallel` hosts change at once, and a host whose health check
/// fails halts the rollout of that state for every host after it.
///
/// A turn is a LockSession on the lock named NAME (a semaphore when
/// `parallel` is above 1), its lease renewed by the session's thread for as
/// long as the turn lasts; LockSession::finish() ends it with the turn's
/// outcome in the lock's run history (`statesync-lock --history NAME`).
/// The halt is kept in Redis, beside the lock's keys (the same {NAME} hash
/// tag, so the same cluster slot):
///
///     <prefix>rollout:{NAME}:halt   hash: digest, host, version, reason
///
/// `digest` is content_digest() of the state halted: a state is told by its
/// content, not its version (which starts again after a clear). Every host
/// reads the halt after it takes its turn and skips a halted state; a newer
/// state is not halted, and the first turn that applies one clears the
/// halt of an older one.

#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/lock_session.hpp>
#include <statesync/state_mirror.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace statesync {

/// Where the rollout's lock is and how it is held.
struct STATESYNC_API RolloutSpec {
  /// The server (each turn's LockSession makes its own link from it).
  LinkOptions link{};
  /// The rollout's name: the lock's name.
  std::string name{};
  /// The key prefix of the lock and the halt.
  std::string prefix = "statesync:";
  /// The lease of a turn, renewed while the turn lasts: how long a host
  /// that dies in its turn holds the others up.
  std::chrono::milliseconds ttl{30000};
  /// How many hosts may take their turn at once (the lock's limit).
  int parallel = 1;
  /// This host's name in the lock and the halt; empty: the system's.
  std::string host{};
};

/// A rollout halted by a failed health check (or a refused validation).
struct STATESYNC_API RolloutHalt {
  /// content_digest() of the state halted.
  std::string digest;
  /// The host that halted it.
  std::string host;
  /// The state's version, where it had one.
  std::optional<long long> version;
  /// What failed ("--health 'curl -f ...' exited with status 7").
  std::string reason;
};

/// A failed health check: why, and the command's exit status (as the
/// run history keeps it).
struct STATESYNC_API HealthFailure {
  /// What failed ("exited with status 7", "timed out after 10s").
  std::string reason;
  /// The exit status (128+N: died of signal N).
  int status = 1;
};

/// What a host does in its turn, besides writing its files. Each is
/// optional.
struct STATESYNC_API RolloutSteps {
  /// Asked before each new file replaces the old one (StateMirror::apply).
  MirrorValidator validate;
  /// Runs after the files changed (and again after a rollback).
  std::function<void(const std::vector<MirrorChange>&)> on_change;
  /// Runs after on_change: nullopt when the host is healthy.
  std::function<std::optional<HealthFailure>()> health;
  /// Asked while waiting for the turn: true gives up the wait.
  std::function<bool()> stop;
};

/// How Rollout::apply() ended.
struct STATESYNC_API RolloutTurn {
  /// The ways a turn ends.
  enum class Outcome {
    nothing,     ///< no recorded state differs from its file: no turn taken
    applied,     ///< the files changed, on_change ran, the host is healthy
    halted,      ///< the state was halted before this turn: not applied
    refused,     ///< the validator refused it: not applied, the rollout halted
    rolled_back, ///< the health check failed: the files were put back, halted
    stopped,     ///< `stop` ended the wait for the turn: not applied
  };
  /// How it ended.
  Outcome outcome = Outcome::nothing;
  /// What the files did (and the refusals).
  MirrorApplied applied;
  /// The halt in force after the turn (halted, refused, rolled_back).
  std::optional<RolloutHalt> halt;
};

/// One host's part in a rollout. Not thread-safe: one thread at a time.
class STATESYNC_API Rollout {
public:
  /// Makes the link the halt is read and written through (it connects on
  /// first use). Throws Error(usage) for an empty name or `parallel` under 1.
  explicit Rollout(RolloutSpec spec);
  /// Moves the rollout.
  Rollout(Rollout&&) noexcept;
  /// Not copied.
  Rollout(const Rollout&) = delete;
  /// Not copied.
  Rollout& operator=(const Rollout&) = delete;
  /// Nothing held outlives a Rollout but the LockSessions it handed out.
  ~Rollout();

  /// Waits for this host's turn: blocks until the lock is acquired, asking
  /// `stop` about twice a second whether to give up (nullopt then). Throws
  /// Error as LockSession::start (unavailable, refused, usage ...).
  std::optional<LockSession> take_turn(const std::function<bool()>& stop);

  /// Puts `mirror`'s recorded states in place in a turn of this host:
  /// without a turn when none differs from its file; else it waits for the
  /// turn (take_turn), reads the halt (a halted state is discarded, not
  /// applied: also when it comes again after a reconnect), applies the
  /// states (asking steps.validate), runs steps.on_change and
  /// steps.health; a refusal or a failed health check halts the rollout of
  /// this state (after putting the old files back and running on_change
  /// again, for a failed health check). The turn ends with its outcome in
  /// the lock's run history (ok, or failed with the health check's status).
  /// Blocks on the lock, the steps and the server; throws Error as the
  /// calls it makes (StateMirror::apply's output errors included).
  RolloutTurn apply(StateMirror& mirror, const RolloutSteps& steps);

  /// The halt in force, if any. One round trip, within the reply timeout;
  /// throws Error as Link::command (unavailable, server, refused).
  std::optional<RolloutHalt> halt();
  /// Halts the rollout of `halt.digest` (in place of any earlier halt).
  /// Throws as halt().
  void halt(const RolloutHalt& halt);
  /// Clears a halt of any other state than `digest`: a newer state has
  /// been applied. Throws as halt().
  void clear_halt_unless(const std::string& digest);

  /// This host's name, as the lock and the halt record it.
  const std::string& host() const noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The halt of the rollout `name`, for inspection (statesync-lock
/// --status). One round trip on `link`; throws as Link::command.
STATESYNC_API std::optional<RolloutHalt> rollout_halt(Link& link, std::string_view prefix, std::string_view name);

} // namespace statesync
