#include "stream_run.hpp"

#include "connection_notices.hpp"
#include "resume_file.hpp"
#include "stream_options.hpp"
#include "wake_set.hpp"

#include "common/connection_options.hpp"
#include "common/duration.hpp"
#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/tool_main.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

namespace statesync::tools {
namespace {

std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> a, std::optional<Clock::time_point> b) {
  if (!a || !b) {
    return a ? a : b;
  }
  return std::min(*a, *b);
}

class StreamSession {
public:
  StreamSession(const SubOptions& options, const MessagePrinter& printer, const CommandRunner* runner,
                ResumeFile* resume)
      : options_(options), printer_(printer), runner_(runner), resume_(resume) {}

  int run(StreamReader& reader) {
    const auto start = Clock::now();
    std::optional<Clock::time_point> stop_at;
    if (options_.wait) {
      stop_at = start + to_milliseconds(*options_.wait);
    }
    last_entry_ = start;
    for (;;) {
      if (const int signal = caught_signal()) {
        return finish(reader, exit_signal_base + signal);
      }
      std::optional<Clock::time_point> deadline = stop_at;
      if (options_.idle) {
        deadline = earliest(deadline, last_entry_ + to_milliseconds(*options_.idle));
      }
      if (resume_) {
        deadline = earliest(deadline, resume_->sync_due());
      }
      std::optional<StreamEvent> event = reader.next(deadline);
      if (!event) {
        if (WakeSet::output_closed()) {
          throw OutputClosed{};
        }
        if (reader.finished()) {
          return finish(reader, exit_ok); // -e or --until: the end is reached
        }
        if (resume_) {
          resume_->save(); // a sync that has come due
        }
        const auto now = Clock::now();
        if (stop_at && now >= *stop_at) {
          return finish(reader, options_.count && handled_ < *options_.count ? exit_not_this_time : exit_ok);
        }
        if (options_.idle && now >= last_entry_ + to_milliseconds(*options_.idle)) {
          return finish(reader, exit_ok);
        }
        continue;
      }
      if (handle_burst(reader, std::move(*event))) {
        return finish(reader, exit_ok);
      }
    }
  }

private:
  int finish(StreamReader& reader, int status) {
    reader.close();
    if (resume_) {
      resume_->save(true);
    }
    return status;
  }

  // Handles `first` and what else has been read, writes the output once,
  // then acknowledges and records what was written. True when -C is met.
  bool handle_burst(StreamReader& reader, StreamEvent first) {
    // Taken in one call into vectors reused from burst to burst: nothing
    // is moved or allocated per entry of their own. Events taken but not
    // handled (-C met, a signal) are as if never read: neither written
    // nor acknowledged nor recorded.
    first_ = std::move(first);
    burst_.clear();
    reader.poll_all(burst_);
    written_.clear();
    bool done = handle_event(first_);
    for (std::size_t i = 0; !done && caught_signal() == 0 && i < burst_.size(); ++i) {
      done = handle_event(burst_[i]);
    }
    write_stdout(out_);
    out_.clear();
    for (const StreamEntry* entry : written_) {
      if (options_.stream.group) {
        reader.acknowledge(*entry);
      }
      if (resume_) {
        resume_->handled(entry->stream, entry->id);
      }
    }
    if (resume_) {
      resume_->save();
    }
    if (handled_ > 0) {
      last_entry_ = Clock::now();
    }
    return done;
  }

  // True when -C is met.
  bool handle_event(const StreamEvent& event) {
    if (event.type != StreamEvent::Type::entry) {
      report_event(event);
      return false;
    }
    ++handled_;
    if (handle(event.entry)) {
      written_.push_back(&event.entry);
    }
    return options_.count && handled_ >= *options_.count;
  }

  // True when the entry was written out, or its command exited 0.
  bool handle(const StreamEntry& entry) {
    const std::string* payload = entry.field(options_.stream.field);
    // Assigned, not built: its strings keep their capacity between entries.
    message_.channel = entry.stream;
    message_.payload = payload ? std::string_view(*payload) : std::string_view();
    if (runner_ == nullptr) {
      printer_.append(out_, message_, &entry);
      return true;
    }
    const std::string id = entry.id.str();
    const auto failure = runner_->run(message_.payload, {"STATESYNC_STREAM=" + entry.stream, "STATESYNC_ID=" + id});
    if (failure) {
      report(fmt::format("'{}' {} (entry {} of '{}'){}", options_.command.front(), *failure, id, entry.stream,
                         options_.stream.group ? "; it stays pending" : "; going on"));
      return !options_.stream.group;
    }
    return true;
  }

  void report_event(const StreamEvent& event) {
    switch (event.type) {
    case StreamEvent::Type::connection_lost:
      report(ConnectionNotices::lost(event.detail, "each stream goes on after its last entry"));
      break;
    case StreamEvent::Type::not_connected:
      report(notices_.not_connected(event.detail));
      break;
    case StreamEvent::Type::reconnected:
      report(notices_.back(event.detail, ""));
      break;
    case StreamEvent::Type::dead_lettered:
      report(event.detail);
      break;
    case StreamEvent::Type::entry:
      break;
    }
  }

  const SubOptions& options_;
  const MessagePrinter& printer_;
  const CommandRunner* runner_;
  ResumeFile* resume_;
  long long handled_ = 0;
  Clock::time_point last_entry_;
  std::string out_;
  ConnectionNotices notices_;
  StreamEvent first_;
  std::vector<StreamEvent> burst_;
  std::vector<const StreamEntry*> written_; // in first_ and burst_
  Message message_;
};

} // namespace

int run_stream(const SubOptions& options, const MessagePrinter& printer, const CommandRunner* runner, int wake_fd) {
  StreamReaderOptions reader_options = stream_reader_options(options);
  reader_options.endpoint = checked_endpoint(options.connection);
  reader_options.client_name = client_name("statesync-sub");
  reader_options.reconnect.enabled = !options.no_reconnect;
  if (options.give_up) {
    reader_options.reconnect.give_up_after = to_milliseconds(*options.give_up);
  }
  std::optional<ResumeFile> resume;
  if (options.stream.resume) {
    resume.emplace(*options.stream.resume);
    reader_options.resume = resume->positions();
  }
  StreamReader reader(std::move(reader_options));
  reader.set_wake_fd(wake_fd);
  StreamSession session(options, printer, runner, resume ? &*resume : nullptr);
  return session.run(reader);
}

} // namespace statesync::tools
