// statesync-lock's command line: NAME, the command after it, the modes and
// the options that do not go together; the lease plan; exit statuses.

#include "statesync-lock/child.hpp"
#include "statesync-lock/lease_plan.hpp"
#include "statesync-lock/options.hpp"

#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>

#include <doctest/doctest.h>

#include <csignal>
#include <sys/wait.h>

using namespace statesync;
using namespace statesync::tools;

namespace {

LockOptions parse(std::vector<std::string> words) {
  LockOptions options;
  auto app = make_lock_app(options);
  std::reverse(words.begin(), words.end());
  app->parse(words);
  finish_lock_options(*app, options);
  return options;
}

std::string usage_error(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const Error& error) {
    CHECK(error.kind() == ErrorKind::usage);
    return error.what();
  }
  return "";
}

using Args = std::vector<std::string>;

} // namespace

TEST_CASE("the command follows NAME, with or without --, options and all") {
  CHECK(parse({"job", "--", "ls", "-l"}).command == Args{"ls", "-l"});
  CHECK(parse({"job", "ls", "-w", "5"}).command == Args{"ls", "-w", "5"});
  const auto options = parse({"-n", "job", "--", "-weird-name"});
  CHECK(options.name == "job");
  CHECK(options.nonblock);
  CHECK(options.command == Args{"-weird-name"});
  CHECK(parse({"-w", "1.5", "job", "-E", "3", "--", "true"}).conflict_exit_code == 3);
}

TEST_CASE("-c runs its string through /bin/sh") {
  CHECK(parse({"-c", "echo $HOME", "job"}).command == Args{"/bin/sh", "-c", "echo $HOME"});
}

TEST_CASE("defaults") {
  const auto options = parse({"job", "true"});
  CHECK(options.mode == LockMode::run);
  CHECK(options.ttl == 30.0);
  CHECK(options.on_lost == OnLost::term);
  CHECK(options.limit == 1);
  CHECK(options.key_prefix == "statesync:");
  CHECK(options.conflict_exit_code == 1);
  CHECK_FALSE(options.wait);
}

TEST_CASE("--on-lost takes its three words") {
  CHECK(parse({"--on-lost", "kill", "job", "true"}).on_lost == OnLost::kill);
  CHECK(parse({"--on-lost", "ignore", "job", "true"}).on_lost == OnLost::ignore);
  LockOptions options;
  auto app = make_lock_app(options);
  CHECK_THROWS_AS(app->parse(Args{"true", "job", "later", "--on-lost"}), CLI::ValidationError);
}

TEST_CASE("inspection forms") {
  auto options = parse({"--status", "job"});
  CHECK(options.mode == LockMode::status);
  CHECK(options.name == "job");
  options = parse({"--list"});
  CHECK(options.mode == LockMode::list);
  CHECK(options.name == "*");
  options = parse({"--list", "--json", "backup-*"});
  CHECK(options.name == "backup-*");
  CHECK(options.json);
  CHECK(parse({"--release", "job"}).mode == LockMode::release);
}

TEST_CASE("options that do not go together are usage errors") {
  CHECK(usage_error({}).find("a lock NAME is needed") != std::string::npos);
  CHECK(usage_error({"-u", "job"}).find("-u job is not a URL") != std::string::npos);
  CHECK(usage_error({"-c", "x", "job", "y"}).find("either -c STRING or a COMMAND") != std::string::npos);
  CHECK(usage_error({"-n", "-w", "1", "job", "x"}).find("-n and -w") != std::string::npos);
  CHECK(usage_error({"--json", "job", "x"}).find("--json goes with") != std::string::npos);
  CHECK(usage_error({"--status", "--list"}).find("do not go together") != std::string::npos);
  CHECK(usage_error({"--release"}).find("--release needs a lock NAME") != std::string::npos);
  CHECK(usage_error({"--status", "-c", "x", "job"}).find("--status runs no command") != std::string::npos);
  CHECK(usage_error({"--nope", "job", "x"}) == "unknown option --nope (for help: --help)");
}

TEST_CASE("the lease plan renews at a third, gives up at two thirds, kills by five sixths") {
  const std::chrono::milliseconds ttl(30000);
  Link link(Endpoint{}, "plan"); // not connected
  const Lock lock(link, LockSpec{"job", "statesync:", ttl});
  CHECK(lock.renew_after() == std::chrono::milliseconds(10000));
  CHECK(lock.give_up_after() == std::chrono::milliseconds(20000));
  CHECK(lock.give_up_after() + grace_period(ttl) == std::chrono::milliseconds(25000));
  CHECK(lock.give_up_after() + grace_period(ttl) < ttl);
}

TEST_CASE("exit status of the command: its own, or 128+N for signal N") {
  CHECK(exit_status_of(7 << 8) == 7);
  CHECK(exit_status_of(0) == 0);
  CHECK(exit_status_of(SIGTERM) == 128 + SIGTERM);
  CHECK(exit_status_of(SIGKILL) == 128 + SIGKILL);
}
