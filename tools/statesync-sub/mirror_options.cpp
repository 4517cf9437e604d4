#include "mirror_options.hpp"

#include "options.hpp"

#include "common/duration_text.hpp"
#include "common/option_checks.hpp"

#include <statesync/error.hpp>

#include <charconv>

namespace statesync::tools {
namespace {

[[noreturn]] void usage(const std::string& text) {
  throw Error(ErrorKind::usage, text);
}

} // namespace

void add_mirror_options(CLI::App& app, MirrorArgs& args) {
  const char* files = "Configuration files";
  auto* to_file = app.add_option("--to-file", args.to_file, "Keep PATH equal to the state (-R CHANNEL, --watch KEY)")
                      ->option_text("PATH")
                      ->group(files);
  auto* to_dir = app.add_option("--to-dir", args.to_dir, "One file per channel or key in DIR (-P patterns)")
                     ->option_text("DIR")
                     ->group(files);
  to_file->excludes(to_dir);
  app.add_flag("--keep-on-clear", args.keep_on_clear, "With --to-dir: keep a file when its state is cleared")
      ->needs(to_dir)
      ->group(files);
  app.add_option("--file-mode", args.file_mode_text, "Mode of the files written, octal (default 0644)")
      ->option_text("MODE")
      ->group(files);
  app.add_option("--on-change", args.on_change, "Run COMMAND (sh -c) once the files are in place")
      ->option_text("COMMAND")
      ->group(files);
  app.add_option("--validate", args.validate, "Run COMMAND on $STATESYNC_NEW_FILE first; non-zero keeps the old")
      ->option_text("COMMAND")
      ->group(files);

  const char* rolling = "Rolling out";
  auto* rollout =
      app.add_option("--rollout", args.rollout, "Change the file in turns under the lock NAME, one host at a time")
          ->option_text("NAME")
          ->needs(to_file)
          ->group(rolling);
  app.add_option("--rollout-parallel", args.rollout_parallel, "With --rollout: at most N hosts at once (default 1)")
      ->option_text("N")
      ->check(whole_number_in(1, 1000000))
      ->needs(rollout)
      ->group(rolling);
  app.add_option("--rollout-ttl", args.rollout_ttl, "With --rollout: the turn's lease, renewed (default 30s)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->needs(rollout)
      ->group(rolling);
  auto* health =
      app.add_option("--health", args.health, "With --rollout: the turn ends once COMMAND exits 0; else roll back")
          ->option_text("COMMAND")
          ->needs(rollout)
          ->group(rolling);
  app.add_option("--health-timeout", args.health_timeout, "Fail --health after DURATION (default: no limit)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->needs(health)
      ->group(rolling);
}

void check_mirror_options(SubOptions& options) {
  MirrorArgs& args = options.mirror;
  if (!args.enabled()) {
    if (args.on_change || args.validate || args.file_mode_text != "0644") {
      usage("--on-change, --validate and --file-mode are for files: add --to-file or --to-dir");
    }
    return;
  }
  const char* option = args.to_file ? "--to-file" : "--to-dir";
  const std::string& text = args.file_mode_text;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), args.file_mode, 8);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || args.file_mode > 07777) {
    usage("--file-mode: must be an octal mode from 0 to 7777, not '" + text + "'");
  }
  if (!options.retained && !options.watch.enabled) {
    usage(std::string(option) + " mirrors a state: add -R (channels) or --watch (keys)");
  }
  if (options.exec || options.live || options.json || options.format || options.retained_only ||
      options.stream.enabled || options.reply.enabled) {
    usage(std::string(option) +
          " writes files: no --exec, --live, --json, -F, --retained-only, --stream or --reply with it");
  }
  if (args.to_file && (options.patterns || options.channels.size() != 1)) {
    usage("--to-file holds one state: give one channel or key (--to-dir for patterns or several)");
  }
  if (args.to_file && args.to_file->empty()) {
    usage("--to-file: the path is empty");
  }
  if (args.to_dir && args.to_dir->empty()) {
    usage("--to-dir: the directory is empty");
  }
}

} // namespace statesync::tools
