// statesync-sub --watch --debounce: a key acted on once quiet, with its last
// value, and only when that value differs from the one last acted on.

#include "statesync-sub/watch_debounce.hpp"

#include <doctest/doctest.h>

using namespace statesync;
using namespace statesync::tools;
using namespace std::chrono_literals;

namespace {

KeyChange set_to(const std::string& key, const std::string& bytes) {
  KeyChange change;
  change.key = key;
  change.value.type_name = "string";
  change.value.bytes = bytes;
  return change;
}

KeyChange deleted(const std::string& key) {
  KeyChange change;
  change.key = key;
  change.event = KeyChange::Event::deleted;
  return change;
}

std::vector<std::string> values(const std::vector<KeyChange>& changes) {
  std::vector<std::string> result;
  for (const auto& change : changes) {
    result.push_back(change.key + (change.event == KeyChange::Event::deleted ? " deleted" : "=" + change.value.bytes));
  }
  return result;
}

} // namespace

TEST_CASE("a key is acted on once quiet, with its last value, keys in the order they fell due") {
  Debouncer debouncer(100ms);
  const Clock::time_point t0{};
  debouncer.add(set_to("a", "1"), t0);
  debouncer.add(set_to("b", "1"), t0 + 10ms);
  debouncer.add(set_to("a", "2"), t0 + 20ms);
  CHECK(debouncer.next_due() == t0 + 110ms);
  CHECK(debouncer.take_due(t0 + 109ms).empty());
  CHECK(values(debouncer.take_due(t0 + 200ms)) == std::vector<std::string>{"b=1", "a=2"});
  CHECK_FALSE(debouncer.next_due());
}

TEST_CASE("a settled value equal to the one last acted on is no change") {
  Debouncer debouncer(100ms);
  const Clock::time_point t0{};
  debouncer.add(set_to("cfg", "A"), t0);
  CHECK(values(debouncer.take_due(t0 + 100ms)) == std::vector<std::string>{"cfg=A"});
  // A -> B -> A within the quiet time.
  debouncer.add(set_to("cfg", "B"), t0 + 200ms);
  debouncer.add(set_to("cfg", "A"), t0 + 250ms);
  CHECK(debouncer.take_due(t0 + 400ms).empty());
  // A deletion, then created again as it was: both differ from the last.
  debouncer.add(deleted("cfg"), t0 + 500ms);
  CHECK(values(debouncer.take_due(t0 + 600ms)) == std::vector<std::string>{"cfg deleted"});
  debouncer.add(deleted("cfg"), t0 + 700ms);
  CHECK(debouncer.take_due(t0 + 800ms).empty());
  debouncer.add(set_to("cfg", "A"), t0 + 900ms);
  CHECK(values(debouncer.take_due(t0 + 1000ms)) == std::vector<std::string>{"cfg=A"});
}
