#pragma once
// A lock's run history as operators read it: --history's lines and JSON,
// and the last run / success / failure that --status and --list add.

#include <statesync/lock_history.hpp>

#include <string>

namespace statesync::tools {

// "2026-11-29T03:00:00.120Z web1:4242 fence 17 ok, ran 12.345s, waited 0.002s"
// (the run's start; a refusal's end).
std::string record_text(const RunRecord& record);
// One JSON object, without a newline.
std::string record_json(const RunRecord& record);

// "  last run: ...\n  last success: ...\n  last failure: ...\n", each line
// only where there is one.
std::string summary_text(const RunSummary& summary);
// `"last_run":...,"last_success":...,"last_failure":...` (null where
// none), to go inside a status object.
std::string summary_json(const RunSummary& summary);

} // namespace statesync::tools
