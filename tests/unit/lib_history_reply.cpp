// Reading the run history's records and --once-per replies as lock.lua
// writes them, by feeding Reply values: fields in any order, bad numbers
// and unknown outcomes refused.

#include "lock/history_reply.hpp"

#include <statesync/error.hpp>
#include <statesync/lock_history.hpp>

#include <doctest/doctest.h>

#include <initializer_list>

using namespace statesync;
using namespace statesync::detail;
using std::chrono::milliseconds;

namespace {

Reply string_reply(std::string text) {
  Reply reply;
  reply.type = Reply::Type::string;
  reply.str = std::move(text);
  return reply;
}

Reply integer_reply(long long value) {
  Reply reply;
  reply.type = Reply::Type::integer;
  reply.integer = value;
  return reply;
}

Reply array(std::initializer_list<Reply> elements) {
  Reply reply;
  reply.type = Reply::Type::array;
  reply.elements = elements;
  return reply;
}

Reply entry(std::initializer_list<std::string> fields) {
  Reply values;
  values.type = Reply::Type::array;
  for (const std::string& field : fields) {
    values.elements.push_back(string_reply(field));
  }
  return array({string_reply("1700000000000-0"), values});
}

} // namespace

TEST_CASE("a run's record") {
  const RunRecord record = parse_run_record(
      entry({"host", "db 1",    "pid",    "42",   "fence", "7",      "wait", "1000",        "start", "1500", "end",
             "4000", "outcome", "failed", "exit", "3",     "signal", "0",    "max_runtime", "1",     "by",   ""}),
      "test");
  CHECK(record.id == "1700000000000-0");
  CHECK(record.host == "db 1");
  CHECK(record.pid == 42);
  CHECK(record.fence == 7);
  CHECK(record.outcome == RunOutcome::failed);
  CHECK(record.exit_status == 3);
  CHECK(record.max_runtime_hit);
  CHECK(record.duration() == milliseconds(2500));
  CHECK(record.waited() == milliseconds(500));
  CHECK_FALSE(record.success());
}

TEST_CASE("a refusal: no start, the wait ends when it gave up") {
  const RunRecord record = parse_run_record(
      entry({"outcome", "refused", "by", "web2:9", "wait", "1000", "start", "0", "end", "1800", "host", "h"}), "test");
  CHECK(record.refused_by == "web2:9");
  CHECK(record.duration() == milliseconds(0));
  CHECK(record.waited() == milliseconds(800));
}

TEST_CASE("records that are not what the script writes") {
  CHECK_THROWS_AS(parse_run_record(entry({"outcome", "exploded"}), "test"), Error);
  CHECK_THROWS_AS(parse_run_record(entry({"pid", "4x"}), "test"), Error);
  CHECK_THROWS_AS(parse_run_record(string_reply("flat"), "test"), Error);
  CHECK_THROWS_AS(parse_run_record(array({string_reply("1-0"), integer_reply(3)}), "test"), Error);
}

TEST_CASE("a window that has run") {
  const WindowRun run = parse_window_run(
      array({integer_reply(-2), integer_reply(1700000000000), string_reply("4242 db 2"), integer_reply(5000)}), "test");
  CHECK(run.pid == 4242);
  CHECK(run.host == "db 2");
  CHECK(run.start_ms == 1700000000000);
  CHECK(run.window_left == milliseconds(5000));
}

TEST_CASE("history settings a lock refuses") {
  LockSpec spec;
  spec.name = "n";
  spec.history_len = -1;
  CHECK_THROWS_AS(check_history_spec(spec), Error);
  spec.history_len = 0;
  spec.once_per = milliseconds(1000);
  spec.limit = 2;
  CHECK_THROWS_AS(check_history_spec(spec), Error);
  spec.limit = 1;
  CHECK_NOTHROW(check_history_spec(spec));
}
