// The key watcher: change feeds at each server, the keys they say changed
// read again, and what differs from what was last reported reported.

#include "connection/first_connection.hpp"
#include "events/connection_watch.hpp"
#include "events/reader_gap.hpp"
#include "watch/change_feed.hpp"
#include "watch/glob.hpp"
#include "watch/key_reader.hpp"
#include "watch/watch_link.hpp"

#include "topology/failover.hpp"
#include <statesync/error.hpp>
#include <statesync/key_watcher.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <deque>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace statesync {
namespace {

using namespace std::chrono_literals;

// How often a cluster's slot map is compared with the one the keys were
// placed by: a slot that moves while its keys do not change is otherwise
// unnoticed.
constexpr auto slot_map_check_interval = 1s;

// Keys per MGET when reading values: as redis-cli users batch them, large
// enough that a command's cost is spread, small enough not to hold the
// server up for long.
constexpr std::size_t read_batch = 1000;

std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a, std::optional<Clock::time_point> b) {
  if (!a || !b) {
    return a ? a : b;
  }
  return std::min(*a, *b);
}

void validate(const KeyWatcherOptions& options) {
  if (options.keys.empty() && options.patterns.empty()) {
    throw Error(ErrorKind::usage, "no key or pattern to watch");
  }
}

// Keys, each once, in the order they were first added: hashed rather than
// ordered, as thousands of them are looked up for every read.
class KeyList {
public:
  void add(const std::string& key) {
    if (members_.insert(key).second) {
      order_.push_back(key);
    }
  }
  bool empty() const noexcept { return order_.empty(); }
  auto begin() const noexcept { return order_.begin(); }
  auto end() const noexcept { return order_.end(); }
  std::vector<std::string> take() {
    members_.clear();
    return std::exchange(order_, {});
  }

private:
  std::unordered_set<std::string> members_;
  std::vector<std::string> order_;
};

// One server's feed, the keys it serves, and those to read there.
struct Station {
  detail::ChangeFeed feed;
  KeyList keys;  // known to live here: exact keys, and keys patterns found
  KeyList dirty; // to be read, in the order they were reported changed
};

} // namespace

const char* event_name(KeyChange::Event event) noexcept {
  return event == KeyChange::Event::set ? "set" : "deleted";
}

struct KeyWatcher::Impl {
  KeyWatcherOptions options;
  detail::WatchLink link;
  std::unordered_set<std::string> exact;
  std::vector<Station> stations; // empty while disconnected
  // Each station's listener and reader, 2s and 2s + 1: a reader the server
  // closed is as much a gap as a listener it closed.
  detail::ConnectionWatch events;
  std::unordered_map<std::string, KeyValue> reported; // keys that exist, as last reported
  std::deque<KeyWatchEvent> pending;
  int wake_fd = -1;
  Clock::time_point next_map_check;
  std::optional<Error> gap;     // why the stations are gone, while they are
  std::size_t restarted_at = 0; // where in `pending` the changes read at a restart begin

  explicit Impl(KeyWatcherOptions o)
      : options(std::move(o)), link(LinkOptions{options.endpoint, options.client_name, options.reconnect}),
        exact(options.keys.begin(), options.keys.end()), events(options.keepalive.value_or(detail::reader_keepalive)) {
    // Started again as part of reconnecting: a server that takes the
    // connection but does not answer the feed's set-up or the reads is one
    // more failed attempt, within the same give-up time.
    link.on_reconnect([this] { restart(); });
  }

  // The pattern `key` is watched through ("" for an exact key); nothing
  // when it is not watched.
  std::optional<std::string> watched_as(const std::string& key) const {
    if (exact.contains(key)) {
      return std::string();
    }
    for (const auto& pattern : options.patterns) {
      if (detail::glob_match(pattern, key)) {
        return pattern;
      }
    }
    return std::nullopt;
  }

  // Connects everywhere, starts the feeds, and marks every watched key to
  // be read: the exact keys, what the patterns match now, and what was
  // reported before (it may be gone).
  void start() {
    std::vector<std::string> keys = options.keys;
    for (const auto& [key, value] : reported) {
      if (!exact.contains(key)) {
        keys.push_back(key);
      }
    }
    std::vector<Station> fresh;
    for (auto& placement : link.placements(keys)) {
      if (placement.keys.empty() && options.patterns.empty()) {
        continue;
      }
      const detail::FeedRequest request{placement.keys, options.patterns};
      Station station{detail::ChangeFeed::open(link, placement.node, request), {}, {}};
      for (auto& key : placement.keys) {
        station.dirty.add(key);
        station.keys.add(key);
      }
      if (!options.patterns.empty() && topology() == Topology::standalone) {
        refuse_one_cluster_node(station.feed.reader());
      }
      for (const auto& pattern : options.patterns) {
        for (auto& key : scan(station.feed.reader(), pattern)) {
          station.dirty.add(key);
          station.keys.add(key);
        }
      }
      fresh.push_back(std::move(station));
    }
    stations = std::move(fresh);
    for (auto& station : stations) {
      events.add(station.feed.listener());
      events.add(station.feed.reader());
    }
    next_map_check = Clock::now() + slot_map_check_interval;
    read_dirty();
  }

  // A pattern watched at one node of a cluster would see that node's keys
  // only, and no MOVED ever shows it the others (exact keys find the
  // cluster so): refused, rather than watched in part.
  static void refuse_one_cluster_node(Connection& c) {
    const Reply info = c.command({"INFO", "cluster"});
    if (!info.is_error() && info.str.find("cluster_enabled:1") != std::string::npos) {
      throw Error(ErrorKind::usage, fmt::format("{} is a Redis Cluster node: to watch a pattern on every master, "
                                                "connect to it as a cluster (--cluster)",
                                                c.where()));
    }
  }

  static std::vector<std::string> scan(Connection& c, const std::string& pattern) {
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      Reply reply = c.command({"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
      if (reply.is_error()) {
        throw Error(reply, fmt::format("cannot look for keys matching '{}' at {}", pattern, c.where()));
      }
      if (reply.type != Reply::Type::array || reply.elements.size() != 2 ||
          reply.elements[1].type != Reply::Type::array) {
        throw Error(ErrorKind::protocol, fmt::format("unexpected reply to SCAN: {}", reply.describe()));
      }
      cursor = reply.elements[0].str;
      for (auto& key : reply.elements[1].elements) {
        keys.push_back(std::move(key.str));
      }
    } while (cursor != "0");
    return keys;
  }

  // Reads every key marked at every server; what differs from what was
  // last reported becomes an event.
  void read_dirty() {
    for (std::size_t s = 0; s < stations.size(); ++s) {
      Station& station = stations[s];
      if (!station.dirty.empty()) {
        events.settle(reader_of(s));
      }
      while (!station.dirty.empty()) {
        const std::vector<std::string> keys = station.dirty.take();
        // A cluster node's keys may be in different slots, which one MGET
        // cannot read.
        const std::size_t batch = topology() == Topology::cluster ? 1 : read_batch;
        std::vector<detail::KeyRead> reads = detail::read_keys(station.feed.reader(), keys, batch);
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (reads[i].again) {
            station.dirty.add(keys[i]);
          } else {
            compare(keys[i], std::move(reads[i].value));
          }
        }
      }
    }
  }

  void compare(const std::string& key, std::optional<KeyValue> value) {
    const auto known = reported.find(key);
    KeyWatchEvent event;
    if (!value) {
      if (known == reported.end()) {
        return;
      }
      reported.erase(known);
      event.change.event = KeyChange::Event::deleted;
    } else if (known == reported.end()) {
      event.change.value = reported.emplace(key, std::move(*value)).first->second;
    } else if (known->second == *value) {
      return;
    } else {
      event.change.value = known->second = std::move(*value);
    }
    event.change.key = key;
    event.change.pattern = watched_as(key).value_or(std::string());
    pending.push_back(std::move(event));
  }

  // Marks what one message from station `s`'s listener says changed.
  void take(std::size_t s, Reply& reply) {
    Station& station = stations[s];
    auto invalidation = station.feed.read(reply);
    if (!invalidation) {
      return;
    }
    if (invalidation->everything) {
      for (const auto& key : station.keys) {
        station.dirty.add(key);
      }
      return;
    }
    for (auto& key : invalidation->keys) {
      if (watched_as(key)) {
        station.dirty.add(key);
        station.keys.add(key);
      }
    }
  }

  static std::size_t reader_of(std::size_t s) { return 2 * s + 1; }

  // What one connection received: a listener's news, or, from a reader,
  // which is sent nothing unasked, a protocol error.
  void take(detail::ConnectionWatch::Received& received) {
    const std::size_t s = received.from / 2;
    if (received.from == reader_of(s)) {
      throw Error(ErrorKind::protocol, fmt::format("unexpected reply from {}: {}", stations[s].feed.reader().where(),
                                                   received.reply.describe()));
    }
    take(s, received.reply);
  }

  // Takes what the listeners have already received, without waiting.
  void take_buffered() {
    while (auto received = events.buffered()) {
      take(*received);
    }
  }

  // Waits for the next message on any listener until `deadline`; false
  // when it passes or the wait is interrupted. Throws Error for a gap on
  // any connection (ConnectionWatch).
  bool receive(std::optional<Clock::time_point> deadline) {
    auto received = events.next(deadline, wake_fd);
    if (received) {
      take(*received);
    }
    return received.has_value();
  }

  bool any_dirty() const {
    return std::any_of(stations.begin(), stations.end(), [](const Station& s) { return !s.dirty.empty(); });
  }

  Topology topology() const noexcept { return link.endpoint().topology; }

  // The first start. A MOVED there is a server named as one that is a
  // cluster node (the link learns so from it, as every tool's link does):
  // started again at every master. What was read before it stands.
  void first_start() {
    try {
      start();
    } catch (const Error& error) {
      if (detail::first_connection_waits(options.reconnect, error)) {
        // A server not up yet: tried again as a lost connection is.
        auto not_connected = lose(error);
        not_connected.type = KeyWatchEvent::Type::not_connected;
        pending.push_back(std::move(not_connected));
        return;
      }
      if (!is_cluster_redirection(error) || topology() == Topology::cluster) {
        throw;
      }
      drop_stations();
      gap = error;
      if (!reconnect(std::nullopt)) {
        throw Error(ErrorKind::unavailable, "interrupted while connecting to the cluster's masters");
      }
      // Not a reconnection for the user: the first values follow.
      pending.erase(std::find_if(pending.begin(), pending.end(),
                                 [](const KeyWatchEvent& e) { return e.type == KeyWatchEvent::Type::reconnected; }));
    }
  }

  void drop_stations() noexcept {
    events.clear();
    stations.clear();
  }

  KeyWatchEvent lose(const Error& error) {
    drop_stations();
    if (!options.reconnect.enabled && topology() == Topology::standalone && !is_cluster_redirection(error)) {
      throw error;
    }
    gap = error;
    KeyWatchEvent event;
    event.type = KeyWatchEvent::Type::connection_lost;
    event.detail = error.what();
    return event;
  }

  // start() once the link is back (its on_reconnect callback). A gap
  // meanwhile fails the attempt (an ASK as a lost connection: the link
  // knows no ASK), leaving nothing of it behind.
  void restart() {
    restarted_at = pending.size();
    try {
      start();
    } catch (const Error& error) {
      pending.resize(restarted_at);
      drop_stations();
      throw detail::as_failed_attempt(error);
    }
  }

  // Gets back after a gap as the link's policy says, started again (the
  // link's on_reconnect); true once started (the "reconnected" event and
  // the changes made meanwhile are then pending), false when the wake fd
  // ended a wait or `deadline` came. Throws once the link gives up.
  bool reconnect(std::optional<Clock::time_point> deadline) {
    if ((deadline && Clock::now() >= *deadline) || !link.recover(*gap, deadline)) {
      return false;
    }
    gap.reset();
    link.progress();
    // Opened while the link's wake fd was the deadline's (recover_by).
    wake_stations(wake_fd);
    KeyWatchEvent event;
    event.type = KeyWatchEvent::Type::reconnected;
    event.detail = where();
    pending.insert(pending.begin() + static_cast<std::ptrdiff_t>(restarted_at), std::move(event));
    return true;
  }

  // Every wait of the stations' commands also ends by `until`: a server
  // that does not answer by the caller's deadline is a gap, as one silent
  // past the reply timeout is. (Reconnecting, recover_by ends by it too;
  // the stations it opens inherit it, and lose it here.)
  void limit_waits(std::optional<Clock::time_point> until) noexcept {
    for (auto& station : stations) {
      station.feed.listener().set_wait_limit(until);
      station.feed.reader().set_wait_limit(until);
    }
  }

  // limit_waits(deadline) while it lives.
  class WaitsLimited {
  public:
    WaitsLimited(Impl& impl, std::optional<Clock::time_point> deadline) : impl_(impl) { impl_.limit_waits(deadline); }
    WaitsLimited(const WaitsLimited&) = delete;
    WaitsLimited& operator=(const WaitsLimited&) = delete;
    ~WaitsLimited() { impl_.limit_waits(std::nullopt); }

  private:
    Impl& impl_;
  };

  void wake_stations(int fd) noexcept {
    for (auto& station : stations) {
      station.feed.listener().set_wake_fd(fd);
      station.feed.reader().set_wake_fd(fd);
    }
  }

  std::string where() {
    std::string result;
    for (auto& station : stations) {
      result += (result.empty() ? "" : ", ") + station.feed.reader().where();
    }
    return result;
  }

  std::optional<Clock::time_point> map_check_point() const {
    if (topology() != Topology::cluster) {
      return std::nullopt;
    }
    return next_map_check;
  }

  // Compares the slot map when it is time; a changed map is a gap.
  void check_map() {
    if (!map_check_point() || Clock::now() < next_map_check) {
      return;
    }
    next_map_check = Clock::now() + slot_map_check_interval;
    if (!link.map_unchanged()) {
      throw Error(ErrorKind::unavailable, fmt::format("the slot map of cluster {} changed", link.endpoint().where()));
    }
  }

  std::optional<KeyWatchEvent> take_pending() {
    if (pending.empty()) {
      return std::nullopt;
    }
    KeyWatchEvent event = std::move(pending.front());
    pending.pop_front();
    return event;
  }

  std::optional<KeyWatchEvent> next(std::optional<Clock::time_point> deadline) {
    for (;;) {
      if (auto event = take_pending()) {
        return event;
      }
      if (stations.empty()) {
        const WaitsLimited limited(*this, deadline);
        if (!reconnect(deadline)) {
          return std::nullopt;
        }
        continue;
      }
      try {
        take_buffered();
        if (any_dirty()) {
          const WaitsLimited limited(*this, deadline);
          read_dirty();
          continue;
        }
        check_map();
        const auto until = earliest(deadline, map_check_point());
        if (!receive(until) && (!until || until == deadline || Clock::now() < *until)) {
          return std::nullopt;
        }
      } catch (const Error& error) {
        if (!detail::is_reader_gap(error)) {
          throw;
        }
        pending.push_back(lose(error));
      }
    }
  }
};

KeyWatcher::KeyWatcher(KeyWatcherOptions options) {
  validate(options);
  impl_ = std::make_unique<Impl>(std::move(options));
  impl_->first_start();
}

KeyWatcher::KeyWatcher(KeyWatcher&&) noexcept = default;
KeyWatcher& KeyWatcher::operator=(KeyWatcher&&) noexcept = default;
KeyWatcher::~KeyWatcher() = default;

std::optional<KeyWatchEvent> KeyWatcher::next(std::optional<Clock::time_point> deadline) {
  return impl_->next(deadline);
}

std::optional<KeyWatchEvent> KeyWatcher::poll() {
  return impl_->take_pending();
}

void KeyWatcher::set_wake_fd(int fd) noexcept {
  impl_->wake_fd = fd;
  impl_->link.set_wake_fd(fd);
  impl_->wake_stations(fd);
}

void KeyWatcher::close() noexcept {
  impl_->drop_stations();
}

} // namespace statesync
