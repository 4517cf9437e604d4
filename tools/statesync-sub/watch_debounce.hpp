#pragma once
// --debounce: a key's change is acted on only once the key has been quiet
// for a while (a config written in several steps is reloaded once, with
// its last value). What settles is acted on only when it differs from what
// was last acted on for the key: A -> B -> A within the quiet time is no
// change (as a config reload, confd's or consul-template's, runs only for
// a value that differs from the one in force).

#include <statesync/connection.hpp>
#include <statesync/key_watcher.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

class Debouncer {
public:
  explicit Debouncer(std::chrono::milliseconds quiet) : quiet_(quiet) {}

  // Holds `change`, in place of any change of the same key held before;
  // the key's quiet time starts again.
  void add(KeyChange change, Clock::time_point now);
  // When the next held change is due; nothing when none is held.
  std::optional<Clock::time_point> next_due() const;
  // The changes due by `now`, in the order they fell due, without those
  // that leave their key as it was when last taken.
  std::vector<KeyChange> take_due(Clock::time_point now);

private:
  struct Held {
    Clock::time_point due;
    KeyChange change;
  };
  std::chrono::milliseconds quiet_;
  std::map<std::string, Held> held_;
  std::map<std::string, KeyChange> taken_; // per key, the change last taken
};

} // namespace statesync::tools
