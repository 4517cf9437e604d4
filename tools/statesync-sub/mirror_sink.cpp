#include "mirror_sink.hpp"

#include "watch_printer.hpp"

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

} // namespace

ShellCommand::ShellCommand(const std::string& command) : runner_({"/bin/sh", "-c", command}) {}

std::optional<std::string> ShellCommand::run(const std::vector<std::string>& variables) const {
  return runner_.run("", variables);
}

MirrorSink::MirrorSink(const SubOptions& options) : options_(options), mirror_(mirror_options(options.mirror)) {
  if (options.mirror.on_change) {
    on_change_.emplace(*options.mirror.on_change);
  }
  if (options.mirror.validate) {
    validate_.emplace(*options.mirror.validate);
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

MirrorApplied MirrorSink::apply() {
  const char* name_variable = options_.watch.enabled ? "STATESYNC_KEY=" : "STATESYNC_CHANNEL=";
  MirrorValidator validator;
  if (validate_) {
    validator = [&](const std::string& name, const std::string& new_file) {
      return validate_->run(
          {"STATESYNC_NEW_FILE=" + new_file, "STATESYNC_FILE=" + mirror_.path_for(name), name_variable + name});
    };
  }
  MirrorApplied applied = mirror_.apply(validator);
  for (const auto& refusal : applied.refused) {
    report(fmt::format("--validate '{}' {} for the new state of '{}'; the old file is kept", *options_.mirror.validate,
                       refusal.reason, shown_name(refusal.name)));
  }
  if (!applied.changes.empty()) {
    run_on_change(applied.changes);
  }
  return applied;
}

void MirrorSink::revert(const std::vector<MirrorChange>& changes) {
  mirror_.revert(changes);
  run_on_change(changes);
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
