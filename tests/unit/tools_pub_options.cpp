// statesync-pub's forms: which option combinations make sense.

#include "statesync-pub/options.hpp"

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <initializer_list>
#include <string>
#include <vector>

using namespace statesync;
using namespace statesync::tools;

namespace {

// Parses like the tool does and plans; throws Error(usage) or CLI errors.
PubPlan plan_for(std::initializer_list<const char*> args) {
  PubOptions options;
  auto app = make_pub_app(options);
  std::vector<std::string> argv(args.begin(), args.end());
  std::reverse(argv.begin(), argv.end()); // CLI11 takes them reversed
  app->parse(argv);
  return plan_pub(options);
}

bool is_usage(std::initializer_list<const char*> args) {
  try {
    plan_for(args);
  } catch (const Error& error) {
    return error.kind() == ErrorKind::usage;
  } catch (const CLI::ParseError&) {
    return true;
  }
  return false;
}

} // namespace

TEST_CASE("CHANNEL MESSAGE... publishes the arguments") {
  const PubPlan plan = plan_for({"ch", "one", "two"});
  CHECK(plan.mode == InputMode::arguments);
  CHECK(plan.channel == "ch");
  CHECK(plan.messages == std::vector<std::string>{"one", "two"});
}

TEST_CASE("input modes and their separators") {
  CHECK(plan_for({"-l", "ch"}).mode == InputMode::lines);
  CHECK(plan_for({"-l", "ch"}).separator == '\n');
  CHECK(plan_for({"-0", "ch"}).mode == InputMode::records);
  CHECK(plan_for({"-0", "ch"}).separator == '\0');
  CHECK(plan_for({"-d", ",", "ch"}).separator == ',');
  CHECK(plan_for({"-d", "\\t", "ch"}).separator == '\t');
  CHECK(plan_for({"-d", "\\x1e", "ch"}).separator == '\x1e');
  CHECK(plan_for({"-x", "ch"}).mode == InputMode::whole_stdin);
  CHECK(plan_for({"-f", "/etc/hostname", "ch"}).mode == InputMode::file);
  CHECK(plan_for({"--clear", "ch"}).mode == InputMode::clear);
}

TEST_CASE("--channel-field takes the channel from each record") {
  const PubPlan plan = plan_for({"--channel-field", "\\t", "-l"});
  CHECK(plan.channel.empty());
  CHECK(plan.channel_field == "\t");
}

TEST_CASE("combinations that do not make sense are usage errors") {
  CHECK(is_usage({}));
  CHECK(is_usage({"ch"}));                                // no message
  CHECK(is_usage({"-l", "-0", "ch"}));                    // two input modes
  CHECK(is_usage({"-x", "-f", "file", "ch"}));            // two input modes
  CHECK(is_usage({"-l", "ch", "message"}));               // input mode and messages
  CHECK(is_usage({"-d", "ab", "ch"}));                    // not one byte
  CHECK(is_usage({"-d", "\\q", "ch"}));                   // unknown escape
  CHECK(is_usage({"--channel-field", ":", "ch", "msg"})); // needs records
  CHECK(is_usage({"--channel-field", ":", "-l", "ch"}));  // channel comes from records
  CHECK(is_usage({"--channel-field", "", "-l"}));         // empty separator
  CHECK(is_usage({"--ttl", "5", "ch", "m"}));             // --ttl without -r
  CHECK(is_usage({"-r", "--ttl", "0", "ch", "m"}));       // not positive
  CHECK(is_usage({"--clear", "ch", "m"}));                // clear takes no message
  CHECK(is_usage({"--clear", "-l", "ch"}));
  CHECK(is_usage({"--repeat", "3", "-l", "ch"})); // stdin is read once
  CHECK(is_usage({"--repeat", "-1", "ch", "m"}));
  CHECK(is_usage({"--interval", "-1", "ch", "m"}));
}

TEST_CASE("escapes for -d and --channel-field") {
  CHECK(decode_escapes("a\\nb\\tc\\rd\\0e\\\\f\\x41", "-d") == std::string("a\nb\tc\rd\0e\\fA", 12));
  CHECK(decode_escapes("plain", "-d") == "plain");
  CHECK(decode_escapes("end\\", "-d") == "end\\");
}
