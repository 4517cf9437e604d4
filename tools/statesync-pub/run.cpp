#include "run.hpp"

#include "channel_field.hpp"
#include "progress.hpp"
#include "record_reader.hpp"
#include "request_run.hpp"
#include "stream_options.hpp"
#include "wait_subscribers.hpp"

#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>
#include <statesync/link.hpp>
#include <statesync/publisher.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <poll.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

using namespace std::chrono_literals;

std::string plural(long long count, const char* noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

class PubRun {
public:
  PubRun(const PubOptions& options, const PubPlan& plan, Link& link)
      : options_(options), plan_(plan),
        publisher_(link, {.key_prefix = options.key_prefix, .sharded = options.sharded, .fence = plan.fence}),
        progress_(options.progress), ttl_(options.ttl ? to_milliseconds(*options.ttl) : 0ms),
        interval_(to_milliseconds(options.interval)) {
    auto on_ack = [this](const Acknowledgement& ack) {
      acknowledged(ack);
    };
    if (options.stream.enabled) {
      // A stream writer routes its own keys, over its own link.
      stream_ = make_stream_writer(options, link, on_ack);
    } else if (plan.mode != InputMode::clear && !plan.fence) {
      // Fenced messages go one at a time through the publisher: each is
      // checked against the lock on the server as it is written.
      StreamWindow window;
      window.wait_replicas = options.wait_replicas;
      stream_ = std::make_unique<RecordStream>(link, publisher_.options(), on_ack, window);
    }
  }

  int run() {
    try {
      switch (plan_.mode) {
      case InputMode::lines:
      case InputMode::records:
        publish_records();
        break;
      case InputMode::clear:
        clear();
        break;
      default:
        publish_rounds();
        break;
      }
      // Also after a signal: what was sent is waited for, so the count is
      // honest and nothing is left half-done.
      finish();
    } catch (const Error& error) {
      if (const int signal = caught_signal(); signal != 0 && error.kind() == ErrorKind::unavailable) {
        // Stopped while reconnecting: what could not be sent is counted.
        progress_.finish(published());
        report_verbose(fmt::format("{}{}", error.what(), published_so_far()));
        return exit_signal_base + signal;
      }
      progress_.finish(published());
      throw Error(error, error.what() + published_so_far());
    }
    progress_.finish(published());
    return exit_status();
  }

private:
  std::uint64_t published() const { return (stream_ ? stream_->acknowledged() : 0) + one_shot_; }

  void finish() {
    if (stream_) {
      stream_->finish();
    }
  }

  // Never 0 unless every message was acknowledged: a failure says how far
  // it got.
  std::string published_so_far() const {
    if (total_ == 1 && published() == 0) {
      return "; the message was not published"; // a count would read as a stream's
    }
    if (total_) {
      return fmt::format("; published {} of {}", published(), plural(static_cast<long long>(*total_), "record"));
    }
    return "; published " + plural(static_cast<long long>(published()), "record");
  }

  // MESSAGE arguments, -x and -f, --repeat times.
  void publish_rounds() {
    const auto count =
        static_cast<long long>(std::count_if(plan_.messages.begin(), plan_.messages.end(),
                                             [&](const auto& m) { return !options_.skip_empty || !m.empty(); }));
    if (count == 0) {
      total_ = 0;
      return;
    }
    if (options_.repeat > 0) {
      total_ = static_cast<std::uint64_t>(count * options_.repeat);
    }
    for (long long round = 0; options_.repeat == 0 || round < options_.repeat; ++round) {
      for (const auto& message : plan_.messages) {
        put(plan_.channel, message);
        if (caught_signal() != 0) {
          return;
        }
      }
    }
  }

  // -l, -0 and -d: records from standard input, as they come.
  void publish_records() {
    RecordReader reader(STDIN_FILENO, "standard input", plan_.separator, plan_.mode == InputMode::lines, signal_fd());
    std::uint64_t number = 0;
    for (;;) {
      while (auto record = reader.next()) {
        ++number;
        if (options_.skip_empty && record->empty()) {
          continue;
        }
        if (plan_.channel_field) {
          const auto fields = split_channel_field(*record, *plan_.channel_field);
          if (!fields) {
            // What came before it is published: wait for it, then stop.
            finish();
            throw Error(ErrorKind::bad_data,
                        fmt::format("record {} has no channel separator '{}'", number, *options_.channel_field));
          }
          put(fields->channel, fields->message);
        } else {
          put(plan_.channel, *record);
        }
        if (caught_signal() != 0) {
          return;
        }
      }
      if (reader.at_end()) {
        total_ = put_;
        return;
      }
      // Before waiting for input, what is buffered goes out.
      if (stream_) {
        stream_->send();
      }
      progress_.update(published(), true);
      if (caught_signal() != 0) {
        return;
      }
      reader.fill();
    }
  }

  void put(std::string_view channel, std::string_view message) {
    if (options_.skip_empty && message.empty()) {
      return;
    }
    if (interval_ > 0ms && put_ > 0) {
      finish();
      pause();
      if (caught_signal() != 0) {
        return;
      }
    }
    ++put_;
    if (!stream_) {
      put_one(channel, message);
    } else if (options_.retain) {
      stream_->retain(channel, message, ttl_);
    } else {
      stream_->publish(channel, message);
    }
  }

  // A fenced message, written and acknowledged before the next.
  void put_one(std::string_view channel, std::string_view message) {
    Acknowledgement ack;
    if (options_.retain) {
      const Retained retained = publisher_.retain(channel, message, ttl_);
      ack.receivers = retained.receivers;
      ack.version = retained.version;
    } else {
      ack.receivers = publisher_.publish(channel, message);
    }
    ack.message = ++one_shot_;
    acknowledged(ack);
  }

  void clear() {
    if (options_.pattern) {
      const long long cleared = publisher_.clear_matching(plan_.channel);
      report(fmt::format("cleared {} matching '{}'", plural(cleared, "retained state"), plan_.channel));
      return;
    }
    total_ = 1;
    const Cleared cleared = publisher_.clear(plan_.channel);
    one_shot_ = 1;
    report_verbose(fmt::format("{} the retained state of '{}'; the empty message reached {}",
                               cleared.existed ? "cleared" : "there was no", plan_.channel,
                               plural(cleared.receivers, "subscriber")));
    count_receivers(cleared.receivers);
  }

  void acknowledged(const Acknowledgement& ack) {
    if (!ack.entry_id.empty()) {
      if (verbose()) {
        write_stdout(ack.entry_id + '\n'); // -v: the entry IDs are data, one per message
      }
    } else if (verbose()) {
      report(fmt::format("message {}: {}{}", ack.message, plural(ack.receivers, "receiver"),
                         ack.version != 0 ? fmt::format(", state version {}", ack.version) : ""));
    }
    count_receivers(ack.receivers);
    progress_.update(published());
  }

  void count_receivers(long long receivers) {
    if (options_.require_subscribers && receivers < *options_.require_subscribers) {
      ++too_few_;
    }
  }

  // --interval: a wait that a signal ends early.
  void pause() {
    const auto end = std::chrono::steady_clock::now() + interval_;
    while (caught_signal() == 0) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(end - std::chrono::steady_clock::now());
      if (left <= 0ms) {
        return;
      }
      pollfd wake{signal_fd(), POLLIN, 0};
      ::poll(&wake, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
    }
  }

  int exit_status() const {
    if (const int signal = caught_signal(); signal != 0) {
      report_verbose(fmt::format("stopped by signal {}{}", signal, published_so_far()));
      return exit_signal_base + signal;
    }
    if (too_few_ > 0) {
      const auto sent = static_cast<long long>(published());
      const long long wanted = *options_.require_subscribers;
      report(fmt::format("{} reached {}", sent == 1 ? "the message" : fmt::format("{} of {} messages", too_few_, sent),
                         wanted == 1 ? "no subscriber" : fmt::format("fewer than {} subscribers", wanted)));
      return exit_not_this_time;
    }
    return exit_ok;
  }

  const PubOptions& options_;
  const PubPlan& plan_;
  Publisher publisher_;                   // --clear, and fenced messages
  std::unique_ptr<MessageStream> stream_; // everything else
  Progress progress_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds interval_;
  std::optional<std::uint64_t> total_; // how many records there are, once known
  std::uint64_t put_ = 0;
  std::uint64_t one_shot_ = 0; // acknowledged by the publisher: --clear, fenced messages
  std::uint64_t too_few_ = 0;
};

} // namespace

std::string unacknowledged_sent_again(const std::string& where) {
  return "reconnected to " + where + "; sending the unacknowledged messages again";
}

int run_pub(const PubOptions& options) {
  set_verbose(options.connection.verbose);
  PubPlan plan = plan_pub(options);
  // Whole messages are read before connecting: an unreadable file is
  // reported without a server, and a server is not held while a slow
  // producer writes.
  if (plan.mode == InputMode::whole_stdin) {
    plan.messages = {read_all(STDIN_FILENO, "standard input")};
  } else if (plan.mode == InputMode::file) {
    plan.messages = {read_file(*options.file)};
  }
  catch_signals({SIGINT, SIGTERM, SIGHUP});
  LinkOptions link_options;
  link_options.endpoint = checked_endpoint(options.connection);
  link_options.client_name = client_name("statesync-pub");
  // Record streams reconnect as the options say; one-shot publishes fail
  // fast (a Sentinel or cluster failover is still followed).
  const bool record_mode = plan.mode == InputMode::lines || plan.mode == InputMode::records;
  link_options.reconnect.enabled = record_mode && !options.no_reconnect;
  if (options.give_up) {
    link_options.reconnect.give_up_after = to_milliseconds(*options.give_up);
  }
  check_wait_subscribers(options, plan, link_options.endpoint.topology == Topology::cluster);
  Link link(link_options);
  link.set_wake_fd(signal_fd());
  link.on_reconnect([&link] { report_verbose(unacknowledged_sent_again(link.where())); });
  if (plan.mode != InputMode::clear && !link.connect()) {
    return exit_signal_base + caught_signal(); // while retrying the first connection
  }
  if (options.request.enabled) {
    return run_requests(options, plan, link);
  }
  if (options.wait_subscribers) {
    wait_subscribers(options, plan, link.connection(plan.channel));
  }
  return PubRun(options, plan, link).run();
}

} // namespace statesync::tools
