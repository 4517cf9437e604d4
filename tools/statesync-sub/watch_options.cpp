#include "watch_options.hpp"

#include "common/duration_text.hpp"
#include "options.hpp"

#include "common/option_checks.hpp"

#include <statesync/error.hpp>

#include <string>

namespace statesync::tools {

void add_watch_options(CLI::App& app, WatchArgs& args) {
  const char* watching = "Watching keys";
  auto* watch = app.add_flag("--watch", args.enabled, "Watch keys (-P: patterns): values now and at each change")
                    ->group(watching);
  app.add_option("--debounce", args.debounce, "Act on a key once it is quiet for DURATION")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->needs(watch)
      ->group(watching);
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
  refuse(options.live, "--live");
  refuse(options.retained_only, "--retained-only");
  refuse(!options.filter_out.empty(), "-T");
  // Dropped silently, a stream option would leave --watch running on keys the user meant as streams.
  if (const char* stream_option = given_stream_option(options.stream); stream_option != nullptr) {
    throw Error(ErrorKind::usage, std::string(stream_option) + " cannot be used with --watch (it is about streams)");
  }
}

} // namespace statesync::tools
