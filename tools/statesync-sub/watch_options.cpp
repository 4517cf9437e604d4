#include "watch_options.hpp"

#include "options.hpp"

#include "common/option_checks.hpp"

#include <statesync/error.hpp>

#include <string>

namespace statesync::tools {

void add_watch_options(CLI::App& app, WatchArgs& args) {
  auto* watch = app.add_flag("--watch", args.enabled,
                             "Watch keys instead of channels: print each key's value now and after every change");
  app.add_option("--debounce", args.debounce,
                 "--watch: act on a key only once it has been quiet for SECONDS (its last value then)")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"))
      ->needs(watch);
}

void check_watch_options(const SubOptions& options) {
  if (options.channels.empty()) {
    throw Error(ErrorKind::usage, "--watch needs a key (or a pattern with -P) to watch");
  }
  const auto refuse = [](bool given, const char* option) {
    if (given) {
      throw Error(ErrorKind::usage, std::string(option) + " cannot be used with --watch (it is about channels)");
    }
  };
  refuse(options.sharded, "--sharded");
  refuse(options.retained, "-R");
  refuse(options.keepalive.has_value(), "--keepalive");
}

} // namespace statesync::tools
