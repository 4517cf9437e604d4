#include "request_run.hpp"

#include "record_reader.hpp"
#include "reply_printer.hpp"

#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/request.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <unistd.h>

namespace statesync::tools {
namespace {

std::string host_list(const std::vector<std::string>& hosts) {
  return fmt::format("{}", fmt::join(hosts, ", "));
}

class RequestRun {
public:
  RequestRun(const PubOptions& options, const PubPlan& plan, Link& link)
      : options_(options), args_(options.request), plan_(plan), requester_(link, {options.sharded, options.key_prefix}),
        printer_(options.request, options.connection.verbose),
        run_end_(Clock::now() + to_milliseconds(args_.wait.value_or(default_request_wait))) {
    requester_.set_wake_fd(signal_fd());
  }

  int run() {
    if (plan_.mode == InputMode::lines || plan_.mode == InputMode::records) {
      ask_records();
    } else {
      for (const auto& message : plan_.messages) {
        if (!options_.skip_empty || !message.empty()) {
          ask(message, run_end_);
        }
        if (stopped()) {
          break;
        }
      }
    }
    if (const int signal = caught_signal(); signal != 0) {
      return exit_signal_base + signal;
    }
    return unanswered_ ? exit_not_this_time : exit_ok;
  }

private:
  bool stopped() const { return caught_signal() != 0 || Clock::now() >= run_end_; }

  void ask_records() {
    RecordReader reader(STDIN_FILENO, "standard input", plan_.separator, plan_.mode == InputMode::lines, signal_fd());
    for (;;) {
      while (auto record = reader.next()) {
        if (options_.skip_empty && record->empty()) {
          continue;
        }
        auto end = run_end_;
        if (args_.timeout_each) {
          end = std::min(end, Clock::now() + to_milliseconds(*args_.timeout_each));
        }
        ask(*record, end);
        if (stopped()) {
          return;
        }
      }
      if (reader.at_end() || caught_signal() != 0) {
        return;
      }
      reader.fill();
    }
  }

  // One request: its replies until every receiver answered (or --replies),
  // or `end`.
  void ask(std::string_view payload, Clock::time_point end) {
    PendingRequest pending = requester_.send(plan_.channel, payload);
    const long long receivers = pending.receivers();
    // --replies 0: whatever comes until the end (no count ends it).
    const long long wanted = args_.replies.value_or(receivers);
    const bool counted = !args_.replies || *args_.replies > 0;
    report_verbose(fmt::format("request {} reached {} receiver{}", pending.id(), receivers, receivers == 1 ? "" : "s"));
    long long answered = 0;
    std::vector<std::string> failed;
    while (!counted || answered < wanted) {
      std::optional<RequestReply> reply = pending.next(end);
      if (!reply) {
        if (caught_signal() != 0 || Clock::now() >= end) {
          break;
        }
        continue;
      }
      ++answered;
      if (reply->failed()) {
        failed.push_back(reply->timed_out ? reply->host + " (timed out)"
                                          : fmt::format("{} (status {})", reply->host, reply->status));
      }
      std::string out;
      printer_.append(out, plan_.channel, *reply);
      write_stdout(out);
    }
    pending.close();
    if (caught_signal() != 0) {
      return;
    }
    judge(pending, answered, counted ? wanted : receivers, failed);
  }

  void judge(const PendingRequest& pending, long long answered, long long wanted,
             const std::vector<std::string>& failed) {
    if (pending.receivers() == 0 && !args_.replies) {
      report(fmt::format("no responder received the request on '{}'", plan_.channel));
      ++unanswered_;
      return;
    }
    if (answered < wanted) {
      std::vector<std::string> silent;
      for (const auto& responder : pending.silent()) {
        silent.push_back(responder.host);
      }
      report(fmt::format("{} of {} answered on '{}'{}", answered, wanted, plan_.channel,
                         silent.empty() ? "" : "; silent: " + host_list(silent)));
      ++unanswered_;
    }
    if (args_.require_all && !failed.empty()) {
      report(fmt::format("{} of {} failed on '{}': {}", failed.size(), answered, plan_.channel, host_list(failed)));
      ++unanswered_;
    }
  }

  const PubOptions& options_;
  const PubRequestArgs& args_;
  const PubPlan& plan_;
  Requester requester_;
  ReplyPrinter printer_;
  Clock::time_point run_end_;
  int unanswered_ = 0;
};

} // namespace

int run_requests(const PubOptions& options, const PubPlan& plan, Link& link) {
  return RequestRun(options, plan, link).run();
}

} // namespace statesync::tools
