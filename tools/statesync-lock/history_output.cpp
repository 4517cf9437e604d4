#include "history_output.hpp"

#include "common/encoding.hpp"
#include "wait_display.hpp"

#include <fmt/format.h>

#include <cstring>

namespace statesync::tools {
namespace {

std::string seconds(std::chrono::milliseconds duration) {
  return fmt::format("{:.3f}s", static_cast<double>(duration.count()) / 1000.0);
}

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string how_it_ended(const RunRecord& record) {
  switch (record.outcome) {
  case RunOutcome::ok:
    return "ok";
  case RunOutcome::released:
    return "released";
  case RunOutcome::failed:
    return fmt::format("failed (exit {})", record.exit_status);
  case RunOutcome::signal:
    return fmt::format("killed by signal {} ({})", record.signal, ::strsignal(record.signal));
  case RunOutcome::lost:
    return "lost (75)";
  case RunOutcome::vanished:
    return "lost, holder vanished";
  case RunOutcome::refused:
    return record.refused_by.empty() ? "refused" : fmt::format("refused (held by {})", record.refused_by);
  case RunOutcome::skipped:
    return fmt::format("skipped (its --once-per window ran on {})", record.refused_by);
  }
  return "unknown";
}

std::string optional_json(const std::optional<RunRecord>& record) {
  return record ? record_json(*record) : "null";
}

} // namespace

std::string record_text(const RunRecord& record) {
  const bool ran = record.ran();
  std::string line = fmt::format("{} {}:{}", utc_time(record.shown_ms()), record.host, record.pid);
  if (ran) {
    line += fmt::format(" fence {}{}", record.fence, record.shared ? " shared" : "");
  }
  line += " " + how_it_ended(record);
  if (record.max_runtime_hit) {
    line += ", --max-runtime hit";
  }
  if (ran) {
    line += ", ran " + seconds(record.duration());
  }
  return line + ", waited " + seconds(record.waited());
}

std::string record_json(const RunRecord& record) {
  const bool ran = record.ran();
  return fmt::format(R"({{"id":{},"host":{},"pid":{},"fence":{},"waiting_since":{},"start":{},"end":{},)"
                     R"("duration_ms":{},"waited_ms":{},"outcome":{},"exit_status":{},"signal":{},)"
                     R"("max_runtime_hit":{},"refused_by":{},"mode":{}}})",
                     json_string(record.id), json_string(record.host), record.pid, record.fence,
                     json_string(utc_time(record.wait_start_ms)), ran ? json_string(utc_time(record.start_ms)) : "null",
                     json_string(utc_time(record.end_ms)), record.duration().count(), record.waited().count(),
                     json_string(outcome_name(record.outcome)), record.exit_status, record.signal,
                     record.max_runtime_hit, ran ? "null" : json_string(record.refused_by),
                     json_string(record.shared ? "shared" : "exclusive"));
}

std::string summary_text(const RunSummary& summary) {
  std::string out;
  const auto add = [&](const char* label, const std::optional<RunRecord>& record) {
    if (record) {
      out += fmt::format("  {}: {}\n", label, record_text(*record));
    }
  };
  add("last run", summary.last);
  add("last success", summary.last_success);
  add("last failure", summary.last_failure);
  return out;
}

std::string summary_json(const RunSummary& summary) {
  return fmt::format(R"("last_run":{},"last_success":{},"last_failure":{})", optional_json(summary.last),
                     optional_json(summary.last_success), optional_json(summary.last_failure));
}

} // namespace statesync::tools
