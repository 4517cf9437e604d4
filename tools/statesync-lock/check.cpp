#include "check.hpp"

#include "common/output.hpp"

#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string>
#include <utility>
#include <vector>

namespace statesync::tools {
namespace {

using std::chrono::milliseconds;

constexpr std::array<const char*, 4> state_names = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};

// "3h12m", "4m10s", "12s", "2d3h": the two largest units, as people read
// an age at a glance.
std::string age_text(long long ms) {
  long long seconds = std::max(0LL, ms) / 1000;
  constexpr std::array<std::pair<long long, char>, 4> units = {{{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}};
  std::string out;
  int shown = 0;
  for (const auto& [size, letter] : units) {
    if (shown < 2 && (seconds >= size || (size == 1 && out.empty()))) {
      out += fmt::format("{}{}", seconds / size, letter);
      seconds %= size;
      ++shown;
    } else if (shown > 0) {
      ++shown; // a skipped unit ends it: "2d" not "2d5s"
    }
  }
  return out;
}

std::string seconds_value(long long ms) {
  return fmt::format("{}", static_cast<double>(ms) / 1000.0);
}

std::string how_it_ended(const RunRecord& run) {
  switch (run.outcome) {
  case RunOutcome::failed:
    return fmt::format("failed (exit {})", run.exit_status);
  case RunOutcome::signal:
    return fmt::format("died of signal {}", run.signal);
  case RunOutcome::lost:
    return "lost its lock";
  case RunOutcome::vanished:
    return "vanished (its holder died)";
  default:
    return std::string(outcome_name(run.outcome));
  }
}

// The newest successful runs that started in one --once-per window: a
// second one means the window failed to exclude.
const RunRecord* second_in_window(const LockOptions& options, const std::vector<RunRecord>& runs,
                                  const RunRecord& success) {
  if (options.once_per.count() == 0) {
    return nullptr;
  }
  const long long window = success.start_ms / options.once_per.count();
  for (const RunRecord& run : runs) {
    if (&run != &success && run.success() && run.start_ms / options.once_per.count() == window) {
      return &run;
    }
  }
  return nullptr;
}

} // namespace

CheckResult judge_runs(const LockOptions& options, const LockHistory& history, long long now_ms) {
  const auto& runs = history.records;
  const RunRecord* success = nullptr;
  for (const RunRecord& run : runs) {
    if (run.success()) {
      success = &run;
      break;
    }
  }
  const long long max_age = options.max_age.count();
  const long long warn_age = options.warn_age ? options.warn_age->count() : 0;
  const long long age = success ? now_ms - success->end_ms : 0;
  CheckResult result;
  std::string text;
  if (success == nullptr) {
    result.state = check_critical;
    text = fmt::format("{} has no successful run in its history ({} runs kept)", options.name, runs.size());
  } else {
    text = fmt::format("{} succeeded {} ago on {} (fence {}, ran {})", options.name, age_text(age), success->host,
                       success->fence, age_text(success->duration().count()));
    if (!runs.front().success()) {
      result.state = check_critical;
      text = fmt::format("{}: its last run {} on {} {} ago; {}", options.name, how_it_ended(runs.front()),
                         runs.front().host, age_text(now_ms - runs.front().end_ms), text);
    } else if (const RunRecord* twice = second_in_window(options, runs, *success)) {
      result.state = check_critical;
      text += fmt::format("; it also ran on {} (fence {}) in the same --once-per {} window", twice->host, twice->fence,
                          options.once_per_text);
    } else if (age > max_age) {
      result.state = check_critical;
      text += fmt::format(", older than --max-age {}", options.max_age_text);
    } else if (options.warn_age && age > warn_age) {
      result.state = check_warning;
      text += fmt::format(", older than --warn-age {}", options.warn_age_text);
    } else {
      result.state = check_ok;
    }
  }
  // 'label'=value[UOM];warn;crit;min;max (monitoring-plugins' guidelines).
  std::string perfdata;
  if (success != nullptr) {
    perfdata = fmt::format("'age'={}s;{};{};0; 'duration'={}s;;;0; ", seconds_value(age),
                           options.warn_age ? seconds_value(warn_age) : "", seconds_value(max_age),
                           seconds_value(success->duration().count()));
  }
  perfdata += fmt::format("'runs'={};;;0;", runs.size());
  result.line = fmt::format("{} - {} | {}", state_names.at(static_cast<std::size_t>(result.state)), text, perfdata);
  return result;
}

int check_lock(Link& link, const LockOptions& options) {
  CheckResult result;
  try {
    const std::string key = lock_keys(options.key_prefix, options.name).lock;
    link.connection(key);
    const LockHistory history = lock_history(link, options.key_prefix, options.name);
    const Reply time = link.command({"TIME"}, key);
    if (time.type != Reply::Type::array || time.elements.size() != 2) {
      throw Error(ErrorKind::protocol, "TIME: unexpected reply " + time.describe());
    }
    const long long now_ms = std::stoll(time.elements[0].str) * 1000 + std::stoll(time.elements[1].str) / 1000;
    result = judge_runs(options, history, now_ms);
  } catch (const Error& error) {
    result = {check_unknown, fmt::format("UNKNOWN - {}: {}", options.name, error.what())};
  }
  write_stdout(result.line + "\n");
  return result.state;
}

} // namespace statesync::tools
