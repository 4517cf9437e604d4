#include "reply_options.hpp"

#include "options.hpp"

#include "common/option_checks.hpp"

#include <statesync/error.hpp>

namespace statesync::tools {
namespace {

[[noreturn]] void usage(const std::string& message) {
  throw Error(ErrorKind::usage, message);
}

} // namespace

void add_reply_options(CLI::App& app, ReplyArgs& args) {
  const char* replying = "Replying";
  app.add_flag("--reply", args.enabled,
               "Answer requests on the CHANNELs with --exec's output (statesync-pub --request)")
      ->group(replying);
  app.add_option("--reply-timeout", args.timeout, "With --reply: stop the command after SECONDS; reply 'timeout'")
      ->option_text("SECONDS")
      ->check(positive("number of seconds"))
      ->group(replying);
  app.add_option("--reply-parallel", args.parallel, "With --reply: run up to N commands at once (default 1)")
      ->option_text("N")
      ->check(whole_number_in(1, 1024))
      ->group(replying);
}

void check_reply_options(const SubOptions& options) {
  const ReplyArgs& args = options.reply;
  if (!args.enabled) {
    if (args.timeout || args.parallel != 1) {
      usage("--reply-timeout and --reply-parallel are for --reply");
    }
    return;
  }
  if (!options.exec) {
    usage("--reply needs the command that answers: --reply CHANNEL... --exec -- COMMAND [ARGS...]");
  }
  if (options.patterns || options.retained || options.count || options.wait || options.idle || options.live ||
      options.watch.enabled || options.stream.enabled) {
    usage("--reply answers requests on channels: no -P, -R, -C, -W, --idle, --live, --watch or --stream");
  }
}

} // namespace statesync::tools
