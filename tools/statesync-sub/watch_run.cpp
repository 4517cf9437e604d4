#include "watch_run.hpp"

#include "command_runner.hpp"
#include "connection_notices.hpp"
#include "mirror_sink.hpp"
#include "wake_set.hpp"
#include "watch_debounce.hpp"
#include "watch_printer.hpp"

#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/key_watcher.hpp>

#include <fmt/format.h>

#include <csignal>

namespace statesync::tools {
namespace {

KeyWatcherOptions watcher_options(const SubOptions& options) {
  KeyWatcherOptions result;
  result.endpoint = checked_endpoint(options.connection);
  result.client_name = client_name("statesync-sub");
  (options.patterns ? result.patterns : result.keys) = options.channels;
  const StayingConnected staying = staying_connected(options);
  result.reconnect = staying.reconnect;
  result.keepalive = staying.keepalive;
  return result;
}

std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a, std::optional<Clock::time_point> b) {
  if (!a || !b) {
    return a ? a : b;
  }
  return std::min(*a, *b);
}

class WatchSession {
public:
  WatchSession(const SubOptions& options, const WatchPrinter& printer, const CommandRunner* runner, MirrorSink* mirror)
      : options_(options), printer_(printer), runner_(runner), mirror_(mirror) {
    if (options.watch.debounce) {
      debouncer_.emplace(to_milliseconds(*options.watch.debounce));
    }
  }

  int run(KeyWatcher& watcher) {
    const auto start = Clock::now();
    std::optional<Clock::time_point> stop_at;
    if (options_.wait) {
      stop_at = start + to_milliseconds(*options_.wait);
    }
    last_change_ = start;
    for (;;) {
      if (const int signal = caught_signal()) {
        watcher.close();
        return exit_signal_base + signal;
      }
      std::optional<Clock::time_point> deadline = earliest(stop_at, idle_point());
      if (debouncer_) {
        deadline = earliest(deadline, debouncer_->next_due());
      }
      std::optional<KeyWatchEvent> event = watcher.next(deadline);
      if (event) {
        handle_burst(watcher, std::move(*event));
      } else if (WakeSet::output_closed()) {
        throw OutputClosed{};
      }
      if (debouncer_) {
        act_on(debouncer_->take_due(Clock::now()));
      }
      const auto now = Clock::now();
      if (options_.count && acted_ >= *options_.count) {
        watcher.close();
        return exit_ok;
      }
      if ((stop_at && now >= *stop_at) || (idle_point() && now >= *idle_point())) {
        // -C not reached: "not this time", for -w and --idle alike (also
        // while the server is away: the watcher's waits end at these too).
        watcher.close();
        return options_.count ? exit_not_this_time : exit_ok;
      }
    }
  }

private:
  std::optional<Clock::time_point> idle_point() const {
    if (!options_.idle) {
      return std::nullopt;
    }
    return last_change_ + to_milliseconds(*options_.idle);
  }

  // Handles `first` and whatever else is already there, then writes the
  // output once.
  void handle_burst(KeyWatcher& watcher, KeyWatchEvent first) {
    std::optional<KeyWatchEvent> event = std::move(first);
    do {
      handle(std::move(*event));
    } while (!done() && caught_signal() == 0 && (event = watcher.poll()));
    flush();
  }

  bool done() const { return options_.count && acted_ >= *options_.count; }

  void handle(KeyWatchEvent event) {
    switch (event.type) {
    case KeyWatchEvent::Type::connection_lost:
      report(ConnectionNotices::lost(event.detail, "every key is read again then"));
      return;
    case KeyWatchEvent::Type::not_connected:
      report(notices_.not_connected(event.detail));
      return;
    case KeyWatchEvent::Type::reconnected:
      report(notices_.back(event.detail, "; printing what changed meanwhile"));
      return;
    case KeyWatchEvent::Type::change:
      break;
    }
    last_change_ = Clock::now();
    if (debouncer_) {
      debouncer_->add(std::move(event.change), last_change_);
      return;
    }
    act(event.change);
  }

  void act_on(const std::vector<KeyChange>& changes) {
    for (const auto& change : changes) {
      if (done()) {
        break;
      }
      act(change);
    }
    flush();
  }

  void act(const KeyChange& change) {
    ++acted_;
    if (mirror_ != nullptr) {
      mirror_->take(change);
      return;
    }
    if (runner_ == nullptr) {
      if (!printer_.append(out_, change)) {
        report(fmt::format("'{}' deleted", shown_name(change.key)));
      }
      return;
    }
    // The output so far goes first: a command may print too.
    flush();
    std::vector<std::string> variables{"STATESYNC_KEY=" + change.key,
                                       std::string("STATESYNC_EVENT=") + event_name(change.event)};
    if (!change.pattern.empty()) {
      variables.push_back("STATESYNC_PATTERN=" + change.pattern);
    }
    if (const auto failure = runner_->run(value_text(change), variables)) {
      report(fmt::format("'{}' {} (key '{}' {}); going on", options_.command.front(), *failure, shown_name(change.key),
                         event_name(change.event)));
    }
  }

  // The output so far, and the files of the states taken.
  void flush() {
    write_stdout(out_);
    out_.clear();
    if (mirror_ != nullptr && mirror_->pending()) {
      mirror_->apply();
    }
  }

  const SubOptions& options_;
  const WatchPrinter& printer_;
  const CommandRunner* runner_;
  MirrorSink* mirror_;
  std::optional<Debouncer> debouncer_;
  long long acted_ = 0;
  Clock::time_point last_change_;
  std::string out_;
  ConnectionNotices notices_;
};

} // namespace

int run_watch(const SubOptions& options) {
  const WatchPrinter printer(options, colour_wanted());
  std::optional<CommandRunner> runner;
  if (options.exec) {
    runner.emplace(options.command);
  }
  catch_signals({SIGINT, SIGTERM});
  const WakeSet wake(signal_fd());
  std::optional<MirrorSink> mirror;
  if (options.mirror.enabled()) {
    mirror.emplace(options);
  }
  KeyWatcher watcher(watcher_options(options));
  watcher.set_wake_fd(wake.fd());
  WatchSession session(options, printer, runner ? &*runner : nullptr, mirror ? &*mirror : nullptr);
  return session.run(watcher);
}

} // namespace statesync::tools
