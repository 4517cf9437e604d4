#include "watch_debounce.hpp"

#include <algorithm>

namespace statesync::tools {
namespace {

// Whether two changes of a key leave it alike (a deleted key has no value).
bool same_state(const KeyChange& a, const KeyChange& b) {
  return a.event == b.event && (a.event == KeyChange::Event::deleted || a.value == b.value);
}

} // namespace

void Debouncer::add(KeyChange change, Clock::time_point now) {
  std::string key = change.key;
  held_.insert_or_assign(std::move(key), Held{now + quiet_, std::move(change)});
}

std::optional<Clock::time_point> Debouncer::next_due() const {
  std::optional<Clock::time_point> due;
  for (const auto& [key, held] : held_) {
    if (!due || held.due < *due) {
      due = held.due;
    }
  }
  return due;
}

std::vector<KeyChange> Debouncer::take_due(Clock::time_point now) {
  std::vector<Held> due;
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.due <= now) {
      due.push_back(std::move(it->second));
      it = held_.erase(it);
    } else {
      ++it;
    }
  }
  std::stable_sort(due.begin(), due.end(), [](const Held& a, const Held& b) { return a.due < b.due; });
  std::vector<KeyChange> changes;
  for (auto& held : due) {
    const auto last = taken_.find(held.change.key);
    if (last != taken_.end() && same_state(last->second, held.change)) {
      continue;
    }
    taken_.insert_or_assign(held.change.key, held.change);
    changes.push_back(std::move(held.change));
  }
  return changes;
}

} // namespace statesync::tools
