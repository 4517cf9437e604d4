#include "inspect.hpp"

#include "common/encoding.hpp"
#include "common/exit_status.hpp"
#include "common/output.hpp"
#include "common/terminal.hpp"
#include "history_output.hpp"
#include "timeline.hpp"
#include "wait_display.hpp"

#include <statesync/lock_history.hpp>
#include <statesync/rollout.hpp>

#include <fmt/format.h>

namespace statesync::tools {
namespace {

std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

// "by_statesync": a holder that statesync-lock (the library) registered,
// with the metadata that follows; false for another client's SET NX key.
std::string holder_json(const Holder& holder) {
  const std::string left = holder.left ? std::to_string(holder.left->count()) : "null";
  if (!holder.ours) {
    return fmt::format(R"({{"token":{},"by_statesync":false,"left_ms":{}}})", json_string(holder.token), left);
  }
  return fmt::format(R"({{"token":{},"by_statesync":true,"host":{},"pid":{},"fence":{},"since":{},"held_ms":{},)"
                     R"("ttl_ms":{},"left_ms":{},"after_run":{}}})",
                     json_string(holder.token), json_string(holder.host), holder.pid, holder.fence,
                     json_string(utc_time(holder.since_ms)), holder.held.count(), holder.ttl.count(), left,
                     holder.after_run);
}

// What a holder whose lock was deleted under it will do.
std::string release_consequence(const Holder& holder) {
  if (!holder.ours) {
    return "another client's key: that client is not told";
  }
  if (holder.after_run) {
    return fmt::format("{}'s command had ended already (post-run --hold)", holder.who());
  }
  // statesync-lock renews every third of its lease (lease_plan.hpp).
  return fmt::format("{} notices at its next renewal, within {} (every third of its {} lease), then stops its "
                     "command and exits 75",
                     holder.who(), seconds_text(holder.ttl / 3), seconds_text(holder.ttl));
}

std::string release_text(const LockStatus& status) {
  if (!status.held) {
    return fmt::format("{} was free: nothing released (last fencing token {})\n", status.name, status.last_fence);
  }
  std::string out;
  for (const Holder& holder : status.holders) {
    out += fmt::format("{} released: it was held by {}; {}\n", status.name, describe_holder(holder, true),
                       release_consequence(holder));
  }
  return out;
}

} // namespace

std::string status_text(const LockStatus& status) {
  if (!status.held) {
    return fmt::format("{} free (last fencing token {})\n", status.name, status.last_fence);
  }
  std::string out;
  for (const Holder& holder : status.holders) {
    const std::string limit = status.shared      ? std::string(" [shared]")
                              : status.limit > 1 ? fmt::format(" [limit {}]", status.limit)
                                                 : std::string();
    out += fmt::format("{} held by {}{}\n", status.name, describe_holder(holder, true), limit);
  }
  return out;
}

std::string status_json(const LockStatus& status, std::string_view more) {
  std::string holders;
  for (const Holder& holder : status.holders) {
    holders += (holders.empty() ? "" : ",") + holder_json(holder);
  }
  return fmt::format(R"({{"name":{},"held":{},"shared":{},"limit":{},"last_fence":{},"holders":[{}]{}{}}})",
                     json_string(status.name), status.held, status.shared, status.limit, status.last_fence, holders,
                     more.empty() ? "" : ",", more);
}

namespace {

int show_history(Link& link, const LockOptions& options) {
  HistoryQuery query;
  query.count = options.count;
  query.refusals = options.all;
  query.host = options.run_host;
  query.outcome = options.outcome;
  const LockHistory history = lock_history(link, options.key_prefix, options.name, query);
  if (options.timeline) {
    write_stdout(draw_timeline(history.records, timeline_span(history.records, options.since.count()),
                               terminal_size().columns, colour_wanted()));
    return exit_ok;
  }
  std::string out;
  for (const RunRecord& record : history.records) {
    out += options.json ? (out.empty() ? "" : ",") + record_json(record) : record_text(record) + "\n";
  }
  if (options.json) {
    out = "[" + out + "]\n";
  } else if (!options.all && !options.outcome && options.run_host.empty() && history.refusals_kept > 0) {
    // Unfiltered: say what is kept apart (a filter's count would mislead).
    out += fmt::format("({} refused or skipped attempts kept apart: --all shows them)\n", history.refusals_kept);
  }
  write_stdout(out);
  return exit_ok;
}

int list(Link& link, const LockOptions& options) {
  std::string out;
  for (const LockOverview& lock : lock_overviews(link, options.key_prefix, options.name)) {
    if (options.json) {
      out += (out.empty() ? "" : ",") +
             status_json(lock.status,
                         fmt::format(R"("last_run":{})", lock.runs.last ? record_json(*lock.runs.last) : "null"));
    } else {
      out += status_text(lock.status) + summary_text(RunSummary{lock.runs.last, {}, {}});
    }
  }
  write_stdout(options.json ? "[" + out + "]\n" : out);
  return exit_ok;
}

// A lock used by statesync-sub --rollout: the halt of its rollout, if any.
std::string halt_text(const std::optional<RolloutHalt>& halt) {
  if (!halt) {
    return {};
  }
  return fmt::format("  rollout halted: by {}{} (state {}): {}\n", halt->host,
                     halt->version ? fmt::format(" at version {}", *halt->version) : std::string(), halt->digest,
                     halt->reason);
}

std::string halt_json(const std::optional<RolloutHalt>& halt) {
  if (!halt) {
    return R"("rollout_halt":null)";
  }
  std::string out = R"("rollout_halt":{"host":)";
  append_json_string(out, halt->host);
  out += R"(,"version":)" + (halt->version ? std::to_string(*halt->version) : std::string("null"));
  out += R"(,"state":)";
  append_json_string(out, halt->digest);
  out += R"(,"reason":)";
  append_json_string(out, halt->reason);
  return out + "}";
}

} // namespace

int inspect(Link& link, const LockOptions& options) {
  switch (options.mode) {
  case LockMode::status: {
    const LockStatus status = lock_status(link, options.key_prefix, options.name);
    const RunSummary runs = lock_run_summary(link, options.key_prefix, options.name);
    const std::optional<RolloutHalt> halt = rollout_halt(link, options.key_prefix, options.name);
    write_stdout(options.json ? status_json(status, summary_json(runs) + "," + halt_json(halt)) + "\n"
                              : status_text(status) + summary_text(runs) + halt_text(halt));
    return status.held ? exit_ok : exit_not_this_time;
  }
  case LockMode::release: {
    const LockStatus status = force_release(link, options.key_prefix, options.name);
    write_stdout(options.json ? status_json(status) + "\n" : release_text(status));
    return status.held ? exit_ok : exit_not_this_time;
  }
  case LockMode::list:
    return list(link, options);
  case LockMode::history:
    return show_history(link, options);
  case LockMode::run:
  case LockMode::check:
  case LockMode::fence_check:
    break;
  }
  return exit_status_for(ErrorKind::internal);
}

} // namespace statesync::tools
