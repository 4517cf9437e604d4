#include "reply_run.hpp"

#include "wake_set.hpp"

#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>
#include <statesync/request.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <list>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace statesync::tools {
namespace {

ResponderOptions responder_options(const SubOptions& options) {
  ResponderOptions result;
  result.endpoint = checked_endpoint(options.connection);
  result.client_name = client_name("statesync-sub");
  result.channels = options.channels;
  result.sharded = options.sharded;
  result.host = fleet_host_name();
  result.key_prefix = options.key_prefix;
  const StayingConnected staying = staying_connected(options);
  result.reconnect = staying.reconnect;
  result.keepalive = staying.keepalive;
  return result;
}

// One command's run on a thread of its own.
struct Job {
  IncomingRequest request;
  ReplyBody body;
  std::atomic<pid_t> pid{-1};
  std::atomic<bool> done{false};
  std::thread thread;
};

class ReplyRun {
public:
  ReplyRun(const SubOptions& options, const CommandRunner& runner)
      : options_(options), runner_(runner), done_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), wake_(signal_fd()),
        responder_(responder_options(options)) {
    if (done_fd_ < 0) {
      throw Error(ErrorKind::internal, fmt::format("cannot create an eventfd: {}", std::strerror(errno)));
    }
    if (options.reply.timeout) {
      timeout_ = to_milliseconds(*options.reply.timeout);
    }
    wake_.add(done_fd_);
    responder_.set_wake_fd(wake_.fd());
  }
  ReplyRun(const ReplyRun&) = delete;
  ReplyRun& operator=(const ReplyRun&) = delete;
  ~ReplyRun() {
    stop_jobs();
    ::close(done_fd_);
  }

  int run() {
    signal_ready(options_.ready, options_.channels.size(), false);
    for (;;) {
      if (const int signal = caught_signal()) {
        stop_jobs();
        responder_.close();
        return exit_signal_base + signal;
      }
      reply_to_finished();
      start_queued();
      if (std::optional<IncomingRequest> request = responder_.next(std::nullopt)) {
        // Held back behind busy workers: its requester is asked again.
        const bool held = jobs_.size() >= static_cast<std::size_t>(options_.reply.parallel);
        queue_.push_back({std::move(*request), held});
      }
    }
  }

private:
  struct Queued {
    IncomingRequest request;
    bool held;
  };

  void reply_to_finished() {
    std::uint64_t count = 0;
    [[maybe_unused]] const ssize_t n = ::read(done_fd_, &count, sizeof count); // EAGAIN: none
    for (auto job = jobs_.begin(); job != jobs_.end();) {
      if (!job->done.load()) {
        ++job;
        continue;
      }
      job->thread.join();
      report_verbose(
          fmt::format("request {} on '{}': {}", job->request.id, job->request.channel,
                      job->body.timed_out ? std::string("timed out") : fmt::format("status {}", job->body.status)));
      responder_.reply(job->request, job->body);
      job = jobs_.erase(job);
    }
  }

  void start_queued() {
    while (jobs_.size() < static_cast<std::size_t>(options_.reply.parallel) && !queue_.empty()) {
      Queued next = std::move(queue_.front());
      queue_.pop_front();
      if (next.held && !responder_.requester_waiting(next.request)) {
        report_verbose(
            fmt::format("request {} on '{}': its requester has gone", next.request.id, next.request.channel));
        continue;
      }
      Job& job = jobs_.emplace_back();
      job.request = std::move(next.request);
      job.thread = std::thread([this, &job] {
        const std::vector<std::string> variables{"STATESYNC_CHANNEL=" + job.request.channel,
                                                 "STATESYNC_REQUEST_ID=" + job.request.id};
        job.body = runner_.run_for_reply(job.request.payload, variables, timeout_, &job.pid);
        job.done.store(true);
        const std::uint64_t one = 1;
        [[maybe_unused]] const ssize_t n = ::write(done_fd_, &one, sizeof one);
      });
    }
  }

  // On a signal: the running commands are stopped (their process groups)
  // and waited for; their replies are not sent.
  void stop_jobs() noexcept {
    for (auto& job : jobs_) {
      if (const pid_t pid = job.pid.load(); pid > 0 && !job.done.load()) {
        ::kill(-pid, SIGTERM);
      }
    }
    for (auto& job : jobs_) {
      if (job.thread.joinable()) {
        job.thread.join();
      }
    }
    jobs_.clear();
  }

  const SubOptions& options_;
  const CommandRunner& runner_;
  std::optional<std::chrono::milliseconds> timeout_;
  int done_fd_;
  WakeSet wake_;
  Responder responder_;
  std::list<Job> jobs_; // a list: each thread keeps a reference to its job
  std::deque<Queued> queue_;
};

} // namespace

int run_reply(const SubOptions& options, const CommandRunner& runner) {
  return ReplyRun(options, runner).run();
}

} // namespace statesync::tools
