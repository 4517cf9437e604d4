#pragma once
// statesync-sub --to-file / --to-dir: states go into a StateMirror; after
// each burst of events the files are put in place (--validate asked
// first) and --on-change runs once. Events that arrive while it runs wait
// in the subscriber and make the next burst: coalesced, the latest state
// of each channel or key written once.

#include "command_runner.hpp"
#include "options.hpp"

#include <statesync/key_watcher.hpp>
#include <statesync/rollout.hpp>
#include <statesync/state_mirror.hpp>
#include <statesync/subscriber.hpp>

#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

// --rollout: the files change in this host's turn (Rollout::apply), with
// --health after --on-change.
// A shell command (sh -c COMMAND) as the mirror runs it.
class ShellCommand {
public:
  explicit ShellCommand(const std::string& command);
  // Runs it with `variables` added to its environment and nothing on its
  // standard input; what went wrong, or nothing when it exited 0.
  std::optional<std::string> run(const std::vector<std::string>& variables) const;
  // The same, killed (its process group) after `timeout`.
  std::optional<HealthFailure> run_bounded(std::optional<std::chrono::milliseconds> timeout) const;

private:
  CommandRunner runner_;
};

class MirrorSink {
public:
  // Throws Error(usage) or Error(output) as StateMirror does.
  explicit MirrorSink(const SubOptions& options);

  // A retained state (or a clear) of -R; a plain message is not a state
  // and is left out.
  void take(const Message& message);
  // A key's value (its --json form unless a string), or its deletion.
  void take(const KeyChange& change);

  bool pending() const { return mirror_.pending(); }
  // True when a recorded state differs from its file.
  bool differs() const { return mirror_.differs(); }
  // Puts the recorded states in place (in this host's turn, with
  // --rollout) and runs --on-change once when a file changed. Reports each
  // refusal of --validate, a failed --on-change and a rollout's halt on
  // standard error.
  void apply();

private:
  void run_on_change(const std::vector<MirrorChange>& changes) const;
  MirrorValidator validator();
  void report_refusals(const MirrorApplied& applied) const;
  void report_turn(const RolloutTurn& turn) const;

  const SubOptions& options_;
  StateMirror mirror_;
  std::optional<ShellCommand> on_change_;
  std::optional<ShellCommand> validate_;
  std::optional<ShellCommand> health_;
  std::optional<Rollout> rollout_;
};

} // namespace statesync::tools
