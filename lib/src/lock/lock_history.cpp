// The run history: the end of a run and a refusal written by their
// holder, and the records read back for operators (see lock_history.hpp).

#include "lock/history_reply.hpp"
#include "lock/lock_impl.hpp"
#include "lock/lock_reply.hpp"
#include "lock/lock_script.hpp"

#include <statesync/error.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_history.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace statesync {
namespace {

using Type = Reply::Type;
using std::chrono::milliseconds;

constexpr std::array<std::string_view, 8> outcome_names = {"ok",       "failed",  "signal",   "lost",
                                                           "vanished", "refused", "released", "skipped"};

long long number(std::string_view text, std::string_view what) {
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw Error(ErrorKind::protocol, fmt::format("{}: a history record with a bad number '{}'", what, text));
  }
  return value;
}

RunOutcome outcome_from(std::string_view name, std::string_view what) {
  for (std::size_t i = 0; i < outcome_names.size(); ++i) {
    if (outcome_names[i] == name) {
      return static_cast<RunOutcome>(i);
    }
  }
  throw Error(ErrorKind::protocol, fmt::format("{}: a history record with an unknown outcome '{}'", what, name));
}

std::optional<RunRecord> optional_record(const Reply& reply, std::string_view what) {
  if (reply.type == Type::nil) {
    return std::nullopt;
  }
  return detail::parse_run_record(reply, what);
}

} // namespace

std::string_view outcome_name(RunOutcome outcome) {
  return outcome_names.at(static_cast<std::size_t>(outcome));
}

milliseconds RunRecord::duration() const {
  return milliseconds(start_ms > 0 ? std::max(0LL, end_ms - start_ms) : 0);
}

milliseconds RunRecord::waited() const {
  const long long until = start_ms > 0 ? start_ms : end_ms;
  return milliseconds(wait_start_ms > 0 ? std::max(0LL, until - wait_start_ms) : 0);
}

namespace detail {

void check_history_spec(const LockSpec& spec) {
  if (spec.history_len < 0) {
    throw Error(ErrorKind::usage, "a lock's history length cannot be negative");
  }
  if (spec.once_per < milliseconds(0)) {
    throw Error(ErrorKind::usage, "a --once-per window cannot be negative");
  }
  if (spec.once_per > milliseconds(0) && (spec.limit > 1 || spec.shared)) {
    throw Error(ErrorKind::usage, "a --once-per window goes with an exclusive lock, not a semaphore or a shared lock");
  }
}

WindowRun parse_window_run(const Reply& reply, std::string_view what) {
  WindowRun run;
  run.start_ms = lock_reply_element(reply, 1, Type::integer, what).integer;
  const std::string& who = lock_reply_element(reply, 2, Type::string, what).str;
  const auto space = who.find(' ');
  run.pid = number(std::string_view(who).substr(0, space), what);
  run.host = space == std::string::npos ? std::string() : who.substr(space + 1);
  run.window_left = milliseconds(lock_reply_element(reply, 3, Type::integer, what).integer);
  return run;
}

RunRecord parse_run_record(const Reply& entry, std::string_view what) {
  RunRecord record;
  record.id = lock_reply_element(entry, 0, Type::string, what).str;
  const Reply& fields = lock_reply_element(entry, 1, Type::array, what);
  for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
    const std::string& field = lock_reply_element(fields, i, Type::string, what).str;
    const std::string& value = lock_reply_element(fields, i + 1, Type::string, what).str;
    if (field == "host") {
      record.host = value;
    } else if (field == "by") {
      record.refused_by = value;
    } else if (field == "outcome") {
      record.outcome = outcome_from(value, what);
    } else if (field == "pid") {
      record.pid = number(value, what);
    } else if (field == "fence") {
      record.fence = number(value, what);
    } else if (field == "wait") {
      record.wait_start_ms = number(value, what);
    } else if (field == "start") {
      record.start_ms = number(value, what);
    } else if (field == "end") {
      record.end_ms = number(value, what);
    } else if (field == "exit") {
      record.exit_status = static_cast<int>(number(value, what));
    } else if (field == "signal") {
      record.signal = static_cast<int>(number(value, what));
    } else if (field == "max_runtime") {
      record.max_runtime_hit = value == "1";
    } else if (field == "mode") {
      record.shared = value == "shared";
    }
  }
  return record;
}

} // namespace detail

FinishedRun Lock::Impl::finish(const RunEnd& end, milliseconds hold, std::optional<Clock::time_point> deadline) {
  const std::string what = fmt::format("cannot release lock '{}'", spec.name);
  held = false;
  finish_pending(deadline);
  const Reply reply =
      expect_ok(run_by({"finish", token, limit_arg(), std::to_string(hold.count()), outcome_name(end.outcome),
                        std::to_string(end.exit_status), std::to_string(end.signal), end.max_runtime_hit ? "1" : "0"},
                       deadline),
                what);
  FinishedRun done;
  done.released = detail::lock_reply_element(reply, 0, Type::integer, what).integer == 1;
  done.wait_start_ms = detail::lock_reply_element(reply, 1, Type::integer, what).integer;
  done.start_ms = detail::lock_reply_element(reply, 2, Type::integer, what).integer;
  done.end_ms = detail::lock_reply_element(reply, 3, Type::integer, what).integer;
  return done;
}

long long Lock::Impl::record_refusal(const Attempt& refused) {
  const std::string what = fmt::format("cannot record the refusal of lock '{}'", spec.name);
  const std::string by = refused.window_run ? fmt::format("{}:{}", refused.window_run->host, refused.window_run->pid)
                         : refused.holders.empty() ? std::string()
                                                   : refused.holders.front().who();
  const std::string wait_start = std::to_string(wait_start_ms);
  wait_start_ms = 0;
  finish_pending();
  const Reply reply = expect_ok(run({"refused", meta, std::to_string(spec.history_len), wait_start, by,
                                     outcome_name(refused.window_run ? RunOutcome::skipped : RunOutcome::refused)}),
                                what);
  if (reply.type != Type::integer) {
    throw Error(ErrorKind::protocol, fmt::format("{}: unexpected reply {}", what, reply.describe()));
  }
  return reply.integer;
}

FinishedRun Lock::finish(const RunEnd& end, milliseconds hold, std::optional<Clock::time_point> deadline) {
  return impl_->finish(end, hold, deadline);
}

long long Lock::record_refusal(const Attempt& refused) {
  return impl_->record_refusal(refused);
}

LockHistory lock_history(Link& link, std::string_view prefix, std::string_view name, const HistoryQuery& query) {
  const std::string what = fmt::format("cannot read the history of lock '{}'", name);
  // A filter may drop any record: then every kept one is read.
  const bool filtered = !query.host.empty() || query.outcome;
  const Reply reply = expect_ok(
      detail::run_lock_script(link, lock_keys(prefix, name),
                              {"history", std::to_string(filtered ? 0 : query.count), query.refusals ? "1" : "0"}),
      what);
  if (reply.type != Type::array || reply.elements.size() != 3) {
    throw Error(ErrorKind::protocol, fmt::format("{}: unexpected reply {}", what, reply.describe()));
  }
  LockHistory history;
  for (std::size_t stream = 0; stream < 2; ++stream) {
    for (const Reply& entry : detail::lock_reply_element(reply, stream, Type::array, what).elements) {
      RunRecord record = detail::parse_run_record(entry, what);
      if ((query.host.empty() || record.host == query.host) && (!query.outcome || record.outcome == *query.outcome)) {
        history.records.push_back(std::move(record));
      }
    }
  }
  history.refusals_kept = static_cast<std::size_t>(detail::lock_reply_element(reply, 2, Type::integer, what).integer);
  // Runs are written when they end: sorted by start (or a refusal's end),
  // a list reads the same way whatever order they ended in.
  std::stable_sort(history.records.begin(), history.records.end(),
                   [](const RunRecord& a, const RunRecord& b) { return a.shown_ms() > b.shown_ms(); });
  if (query.count > 0 && history.records.size() > query.count) {
    history.records.resize(query.count);
  }
  return history;
}

RunSummary lock_run_summary(Link& link, std::string_view prefix, std::string_view name) {
  const std::string what = fmt::format("cannot read the history of lock '{}'", name);
  const Reply reply = expect_ok(detail::run_lock_script(link, lock_keys(prefix, name), {"summary"}), what);
  if (reply.type != Type::array || reply.elements.size() != 3) {
    throw Error(ErrorKind::protocol, fmt::format("{}: unexpected reply {}", what, reply.describe()));
  }
  return {optional_record(reply.elements[0], what), optional_record(reply.elements[1], what),
          optional_record(reply.elements[2], what)};
}

std::vector<LockOverview> lock_overviews(Link& link, std::string_view prefix, std::string_view pattern) {
  std::vector<LockOverview> overviews;
  for (const std::string& name : detail::lock_names(link, prefix, pattern)) {
    LockOverview overview{lock_status(link, prefix, name), lock_run_summary(link, prefix, name)};
    if (overview.status.held || overview.runs.last) {
      overviews.push_back(std::move(overview));
    }
  }
  return overviews;
}

} // namespace statesync
