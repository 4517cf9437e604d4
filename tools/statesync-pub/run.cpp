#include "run.hpp"

#include "channel_field.hpp"
#include "progress.hpp"
#include "record_reader.hpp"
#include "wait_subscribers.hpp"

#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/cluster.hpp>
#include <statesync/cluster_stream.hpp>
#include <statesync/error.hpp>
#include <statesync/failover.hpp>
#include <statesync/publisher.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <poll.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

using namespace std::chrono_literals;

std::string plural(long long count, const char* noun) {
  return fmt::format("{} {}{}", count, noun, count == 1 ? "" : "s");
}

// Where the messages go: a cluster's nodes, each its slots' messages (no
// connection given), or one server through `connection`; `reconnect`, when
// set, replaces it after a Sentinel failover.
struct PubTarget {
  Endpoint endpoint;
  Connection* connection = nullptr;
  std::function<void()> reconnect;
};

class PubRun {
public:
  PubRun(const PubOptions& options, const PubPlan& plan, PubTarget target)
      : options_(options), plan_(plan), reconnect_(std::move(target.reconnect)), progress_(options.progress),
        ttl_(options.ttl ? to_milliseconds(*options.ttl) : 0ms), interval_(to_milliseconds(options.interval)) {
    const PublisherOptions publisher_options{options.key_prefix, options.sharded};
    auto on_ack = [this](const Acknowledgement& ack) {
      acknowledged(ack);
    };
    if (!target.connection) {
      stream_ = std::make_unique<ClusterPublishStream>(target.endpoint, client_name("statesync-pub"), publisher_options,
                                                       on_ack);
      return;
    }
    publisher_.emplace(*target.connection, publisher_options);
    auto stream =
        std::make_unique<PublishStream>(*publisher_, on_ack, StreamWindow{.resumable = static_cast<bool>(reconnect_)});
    resumable_ = stream.get();
    stream_ = std::move(stream);
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
      guarded([&] { stream_->finish(); });
    } catch (const Error& error) {
      progress_.finish(published());
      throw Error(error, error.what() + published_so_far());
    }
    progress_.finish(published());
    return exit_status();
  }

private:
  std::uint64_t published() const { return stream_->acknowledged() + cleared_; }

  // Never 0 unless every message was acknowledged: a failure says how far
  // it got.
  std::string published_so_far() const {
    if (total_ == 1 && published() == 0) {
      return "; the message was not published"; // a count would read as a stream's
    }
    if (total_) {
      return fmt::format("; published {} of {} records", published(), *total_);
    }
    return fmt::format("; published {} records", published());
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
            guarded([&] { stream_->finish(); });
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
      guarded([&] { stream_->send(); });
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
      guarded([&] { stream_->finish(); });
      pause();
      if (caught_signal() != 0) {
        return;
      }
    }
    ++put_;
    guarded([&] {
      if (options_.retain) {
        stream_->retain(channel, message, ttl_);
      } else {
        stream_->publish(channel, message);
      }
    });
  }

  // Runs a stream operation; after a failover (Sentinel, cluster) connects
  // to the new master and sends the unacknowledged messages again, as long
  // as reconnecting brings progress.
  template <class Operation>
  void guarded(const Operation& operation) {
    for (;;) {
      const std::uint64_t sent_before = stream_->sent();
      try {
        return operation();
      } catch (const Error& error) {
        if (!reconnect_ || !suggests_failover(error)) {
          throw;
        }
        recover(error);
        if (stream_->sent() != sent_before) {
          return; // its message was taken: it is among those sent again
        }
      }
    }
  }

  void recover(const Error& error) {
    if (stream_->acknowledged() != acknowledged_at_failover_) {
      failovers_ = 0;
    }
    acknowledged_at_failover_ = stream_->acknowledged();
    if (++failovers_ > max_failovers) {
      throw error;
    }
    report_verbose(fmt::format("{}; connecting again to send the unacknowledged messages", error.what()));
    try {
      reconnect_();
      resumable_->resume();
    } catch (const Error& again) {
      if (!suggests_failover(again)) {
        throw;
      }
      // The stream has failed again: the caller's next attempt recovers.
    }
  }

  void clear() {
    total_ = 1;
    const Cleared cleared = publisher_->clear(plan_.channel);
    cleared_ = 1;
    report_verbose(fmt::format("{} the retained state of '{}'; the empty message reached {}",
                               cleared.existed ? "cleared" : "there was no", plan_.channel,
                               plural(cleared.receivers, "subscriber")));
    count_receivers(cleared.receivers);
  }

  void acknowledged(const Acknowledgement& ack) {
    if (verbose()) {
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
      report(fmt::format("{} of {} reached fewer than {}", too_few_,
                         plural(static_cast<long long>(published()), "message"),
                         plural(*options_.require_subscribers, "subscriber")));
      return exit_not_this_time;
    }
    return exit_ok;
  }

  // Reconnects in a row without an acknowledgement in between.
  static constexpr int max_failovers = 5;

  const PubOptions& options_;
  const PubPlan& plan_;
  std::function<void()> reconnect_;
  std::optional<Publisher> publisher_; // one server (or --clear)
  std::unique_ptr<MessageStream> stream_;
  PublishStream* resumable_ = nullptr; // one server's stream, for reconnect_
  int failovers_ = 0;
  std::uint64_t acknowledged_at_failover_ = 0;
  Progress progress_;
  std::chrono::milliseconds ttl_;
  std::chrono::milliseconds interval_;
  std::optional<std::uint64_t> total_; // how many records there are, once known
  std::uint64_t put_ = 0;
  std::uint64_t cleared_ = 0;
  std::uint64_t too_few_ = 0;
};

// With --clear in a cluster, the retained state's owner is the node to
// talk to.
std::string clear_key(const PubOptions& options, const PubPlan& plan) {
  return retained_state_key(options.key_prefix, plan.channel);
}

} // namespace

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
  PubTarget target;
  target.endpoint = checked_endpoint(options.connection);
  check_wait_subscribers(options, plan, target.endpoint.topology == Topology::cluster);
  if (target.endpoint.topology == Topology::cluster && plan.mode != InputMode::clear) {
    // Each message to its slot's owner: no one connection.
    if (options.wait_subscribers) {
      Connection owner = connect_for_key(target.endpoint, client_name("statesync-pub"), plan.channel);
      wait_subscribers(options, plan, owner);
    }
    return PubRun(options, plan, std::move(target)).run();
  }
  Connection connection = connect_for_key(target.endpoint, client_name("statesync-pub"), clear_key(options, plan));
  wait_subscribers(options, plan, connection);
  target.connection = &connection;
  if (target.endpoint.topology == Topology::sentinel) {
    // A failover under a stream: the stream keeps copies of what is
    // unacknowledged, to send it again to the new master.
    target.reconnect = [&connection, endpoint = target.endpoint] {
      connection = Connection::open(endpoint, client_name("statesync-pub"));
    };
  }
  return PubRun(options, plan, std::move(target)).run();
}

} // namespace statesync::tools
