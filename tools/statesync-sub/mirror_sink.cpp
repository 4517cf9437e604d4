#include "mirror_sink.hpp"

#include "watch_printer.hpp"

#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <fmt/format.h>

namespace statesync::tools {
namespace {

StateMirrorOptions mirror_options(const MirrorArgs& args) {
  StateMirrorOptions result;
  result.file = args.to_file.value_or("");
  result.dir = args.to_dir.value_or("");
  result.mode = args.file_mode;
  result.keep_on_clear = args.keep_on_clear;
  return result;
}

RolloutSpec rollout_spec(const SubOptions& options) {
  RolloutSpec spec;
  spec.link.endpoint = checked_endpoint(options.connection);
  spec.link.client_name = client_name("statesync-sub");
  spec.link.reconnect.enabled = spec.link.endpoint.topology != Topology::standalone;
  spec.name = *options.mirror.rollout;
  spec.prefix = options.key_prefix;
  spec.ttl = to_milliseconds(options.mirror.rollout_ttl);
  spec.parallel = options.mirror.rollout_parallel;
  spec.host = fleet_host_name();
  return spec;
}

std::string version_text(const std::optional<long long>& version) {
  return version ? fmt::format("version {}", *version) : std::string("its state");
}

} // namespace

ShellCommand::ShellCommand(const std::string& command) : runner_({"/bin/sh", "-c", command}) {}

std::optional<std::string> ShellCommand::run(const std::vector<std::string>& variables) const {
  return runner_.run("", variables);
}

std::optional<HealthFailure> ShellCommand::run_bounded(std::optional<std::chrono::milliseconds> timeout) const {
  const ReplyBody body = runner_.run_for_reply("", {}, timeout);
  if (body.timed_out) {
    return HealthFailure{"timed out", body.status};
  }
  if (body.status != 0) {
    return HealthFailure{body.status > 128 ? fmt::format("died of signal {}", body.status - 128)
                                           : fmt::format("exited with status {}", body.status),
                         body.status};
  }
  return std::nullopt;
}

MirrorSink::MirrorSink(const SubOptions& options) : options_(options), mirror_(mirror_options(options.mirror)) {
  if (options.mirror.on_change) {
    on_change_.emplace(*options.mirror.on_change);
  }
  if (options.mirror.validate) {
    validate_.emplace(*options.mirror.validate);
  }
  if (options.mirror.health) {
    health_.emplace(*options.mirror.health);
  }
  if (options.mirror.rollout) {
    rollout_.emplace(rollout_spec(options));
  }
}

void MirrorSink::take(const Message& message) {
  if (message.cleared) {
    mirror_.clear(message.channel);
  } else if (message.version) {
    mirror_.set(message.channel, message.payload, message.version);
  }
}

void MirrorSink::take(const KeyChange& change) {
  if (change.event == KeyChange::Event::deleted) {
    mirror_.clear(change.key);
  } else if (change.value.type == KeyValue::Type::string) {
    mirror_.set(change.key, change.value.bytes);
  } else {
    std::string json;
    append_watch_value_json(json, change.value);
    mirror_.set(change.key, json + "\n");
  }
}

MirrorValidator MirrorSink::validator() {
  if (!validate_) {
    return {};
  }
  const char* name_variable = options_.watch.enabled ? "STATESYNC_KEY=" : "STATESYNC_CHANNEL=";
  return [this, name_variable](const std::string& name, const std::string& new_file) {
    return validate_->run(
        {"STATESYNC_NEW_FILE=" + new_file, "STATESYNC_FILE=" + mirror_.path_for(name), name_variable + name});
  };
}

void MirrorSink::apply() {
  if (!rollout_) {
    const MirrorApplied applied = mirror_.apply(validator());
    report_refusals(applied);
    if (!applied.changes.empty()) {
      run_on_change(applied.changes);
    }
    return;
  }
  RolloutSteps steps;
  steps.validate = validator();
  steps.on_change = [this](const std::vector<MirrorChange>& changes) {
    run_on_change(changes);
  };
  if (health_) {
    std::optional<std::chrono::milliseconds> timeout;
    if (options_.mirror.health_timeout) {
      timeout = to_milliseconds(*options_.mirror.health_timeout);
    }
    steps.health = [this, timeout] {
      return health_->run_bounded(timeout);
    };
  }
  steps.stop = [] {
    return caught_signal() != 0;
  };
  report_turn(rollout_->apply(mirror_, steps));
}

void MirrorSink::report_refusals(const MirrorApplied& applied) const {
  for (const auto& refusal : applied.refused) {
    report(fmt::format("--validate '{}' {} for the new state of '{}'; the old file is kept", *options_.mirror.validate,
                       refusal.reason, shown_name(refusal.name)));
  }
}

void MirrorSink::report_turn(const RolloutTurn& turn) const {
  report_refusals(turn.applied);
  const std::string& name = *options_.mirror.rollout;
  switch (turn.outcome) {
  case RolloutTurn::Outcome::halted:
    report(fmt::format("rollout '{}' is halted for this state ({} halted it at {}: {}); not applied", name,
                       turn.halt->host, version_text(turn.halt->version), turn.halt->reason));
    return;
  case RolloutTurn::Outcome::refused:
  case RolloutTurn::Outcome::rolled_back:
    report(fmt::format("rollout '{}' halted here, at {}: {}{}", name, version_text(turn.halt->version),
                       turn.halt->reason,
                       turn.outcome == RolloutTurn::Outcome::rolled_back ? "; the previous file is back" : ""));
    return;
  case RolloutTurn::Outcome::nothing:
  case RolloutTurn::Outcome::applied:
  case RolloutTurn::Outcome::stopped:
    return;
  }
}

void MirrorSink::run_on_change(const std::vector<MirrorChange>& changes) const {
  if (!on_change_) {
    return;
  }
  std::vector<std::string> variables;
  if (options_.mirror.to_dir) {
    variables.push_back("STATESYNC_DIR=" + *options_.mirror.to_dir);
  }
  // One file changed: which one. Several (a burst under --to-dir): the
  // directory says where, the index which file is which.
  if (changes.size() == 1) {
    const MirrorChange& change = changes.front();
    variables.push_back("STATESYNC_FILE=" + change.path);
    variables.push_back((options_.watch.enabled ? "STATESYNC_KEY=" : "STATESYNC_CHANNEL=") + change.name);
    if (change.version) {
      variables.push_back("STATESYNC_VERSION=" + std::to_string(*change.version));
    }
  }
  if (const auto failure = on_change_->run(variables)) {
    report(fmt::format("--on-change '{}' {}; going on", *options_.mirror.on_change, *failure));
  }
}

} // namespace statesync::tools
