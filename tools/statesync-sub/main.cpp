// statesync-sub: prints the messages published to channels (or runs a
// command for each), with counts, timeouts, retained state and reconnects.

#include "command_runner.hpp"
#include "connection_notices.hpp"
#include "live_view.hpp"
#include "message_printer.hpp"
#include "mirror_sink.hpp"
#include "options.hpp"
#include "reply_run.hpp"
#include "stream_run.hpp"
#include "wake_set.hpp"
#include "watch_run.hpp"

#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>
#include <statesync/subscriber.hpp>

#include <fmt/format.h>

#include <csignal>

using namespace statesync;
using namespace statesync::tools;

namespace {

SubscriberOptions subscriber_options(const SubOptions& options) {
  SubscriberOptions result;
  result.endpoint = checked_endpoint(options.connection);
  result.client_name = client_name("statesync-sub");
  result.mode = options.patterns  ? SubscriptionMode::patterns
                : options.sharded ? SubscriptionMode::sharded
                                  : SubscriptionMode::channels;
  result.names = options.channels;
  result.retained = options.retained;
  result.key_prefix = options.key_prefix;
  result.filter_out = options.filter_out;
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

// The message loop, and what ends it.
class Session {
public:
  // Messages go to `mirror`, `live` or `runner`, the first there is,
  // else to `printer`.
  Session(const SubOptions& options, const MessagePrinter& printer, const CommandRunner* runner, LiveView* live,
          MirrorSink* mirror)
      : options_(options), printer_(printer), runner_(runner), live_(live), mirror_(mirror) {}

  int run(Subscriber& subscriber) {
    const auto start = Clock::now();
    std::optional<Clock::time_point> stop_at;
    if (options_.wait) {
      stop_at = start + to_milliseconds(*options_.wait);
    }
    last_message_ = start;
    for (;;) {
      if (const int signal = caught_signal()) {
        subscriber.close();
        return exit_signal_base + signal;
      }
      std::optional<Clock::time_point> deadline = stop_at;
      if (options_.idle) {
        deadline = earliest(deadline, last_message_ + to_milliseconds(*options_.idle));
      }
      if (live_ != nullptr) {
        deadline = earliest(deadline, live_->next_draw());
      }
      std::optional<SubscriberEvent> event = subscriber.next(deadline);
      if (live_ != nullptr) {
        live_->draw_if_due();
      }
      if (!event) {
        if (WakeSet::output_closed()) {
          throw OutputClosed{};
        }
        const auto now = Clock::now();
        const bool idle = options_.idle && now >= last_message_ + to_milliseconds(*options_.idle);
        if ((stop_at && now >= *stop_at) || idle) {
          // -C not reached: "not this time", for -W and --idle alike.
          subscriber.close();
          return options_.count && received_ < *options_.count ? exit_not_this_time : exit_ok;
        }
        continue; // a signal (looked at above) or an early wake
      }
      const bool done = handle_burst(subscriber, std::move(*event));
      if (done) {
        subscriber.close();
        return exit_ok;
      }
    }
  }

  // --retained-only: the states read when subscribing, all received by
  // now, and not the live messages that may have come with them.
  int print_current_states(Subscriber& subscriber) {
    while (auto event = subscriber.poll()) {
      if (event->type == SubscriberEvent::Type::not_connected) {
        // Not connected at all (--give-up lets the first connect wait): no states were read.
        throw Error(ErrorKind::unavailable, event->detail);
      }
      if (event->type == SubscriberEvent::Type::message && event->message.current_state) {
        handle(*event);
        if (options_.count && received_ >= *options_.count) {
          break;
        }
      }
    }
    write_stdout(out_);
    subscriber.close();
    return exit_ok;
  }

private:
  // Handles `first` and whatever else has already arrived, then writes the
  // output once: every message is written before the next wait.
  bool handle_burst(Subscriber& subscriber, SubscriberEvent first) {
    bool done = false;
    bool any_message = false;
    try {
      std::optional<SubscriberEvent> event = std::move(first);
      do {
        any_message = handle(*event) || any_message;
        done = options_.count && received_ >= *options_.count;
      } while (!done && caught_signal() == 0 && (event = subscriber.poll()));
    } catch (...) {
      write_stdout(out_);
      throw;
    }
    write_stdout(out_);
    out_.clear();
    if (mirror_ != nullptr && mirror_->pending()) {
      mirror_->apply();
    }
    if (any_message) {
      last_message_ = Clock::now();
    }
    return done;
  }

  // True for a message.
  bool handle(const SubscriberEvent& event) {
    switch (event.type) {
    case SubscriberEvent::Type::connection_lost:
      tell(ConnectionNotices::lost(event.detail, "messages published meanwhile are lost"));
      return false;
    case SubscriberEvent::Type::not_connected:
      tell(notices_.not_connected(event.detail));
      return false;
    case SubscriberEvent::Type::reconnected:
      tell(notices_.back(event.detail, options_.retained ? "; printing the current state again" : ""));
      return false;
    case SubscriberEvent::Type::message:
      break;
    }
    ++received_;
    if (mirror_ != nullptr) {
      mirror_->take(event.message);
      return true;
    }
    if (live_ != nullptr) {
      live_->add(event.message);
      return true;
    }
    if (runner_ == nullptr) {
      printer_.append(out_, event.message);
      return true;
    }
    if (const auto failure = runner_->run(event.message)) {
      report(fmt::format("'{}' {} (message on '{}'); going on", options_.command.front(), *failure,
                         event.message.channel));
    }
    return true;
  }

  // On standard error, or in the live view (which standard error would
  // scribble over).
  void tell(const std::string& text) {
    if (live_ != nullptr) {
      live_->notice(text);
    } else {
      report(text);
    }
  }

  const SubOptions& options_;
  const MessagePrinter& printer_;
  const CommandRunner* runner_;
  LiveView* live_;
  MirrorSink* mirror_;
  long long received_ = 0;
  Clock::time_point last_message_;
  ConnectionNotices notices_;
  std::string out_;
};

} // namespace

int main(int argc, char** argv) {
  SubOptions options;
  auto app = make_sub_app(options);
  const int parsed_argc = split_command(argc, argv, options);
  return run_tool(*app, parsed_argc, argv, [&] {
    check_options(options);
    set_verbose(options.connection.verbose);
    if (options.watch.enabled) {
      return run_watch(options);
    }
    // Everything that can be refused is checked before connecting.
    const MessagePrinter printer(options, colour_wanted());
    std::optional<CommandRunner> runner;
    if (options.exec) {
      runner.emplace(options.command);
    }
    catch_signals({SIGINT, SIGTERM});
    std::optional<LiveView> live;
    if (options.live) {
      live.emplace(options.channels, options.patterns);
    }
    const WakeSet wake(signal_fd());
    check_readiness(options.ready);
    if (options.reply.enabled) {
      return run_reply(options, *runner);
    }
    if (options.stream.enabled) {
      return run_stream(options, printer, runner ? &*runner : nullptr, wake.fd());
    }
    std::optional<MirrorSink> mirror;
    if (options.mirror.enabled()) {
      mirror.emplace(options);
    }
    Subscriber subscriber(subscriber_options(options));
    subscriber.set_wake_fd(wake.fd());
    signal_ready(options.ready, options.channels.size(), options.patterns);
    Session session(options, printer, runner ? &*runner : nullptr, live ? &*live : nullptr,
                    mirror ? &*mirror : nullptr);
    return options.retained_only ? session.print_current_states(subscriber) : session.run(subscriber);
  });
}
