#pragma once
// --history --timeline: the runs drawn in the terminal, one lane per host,
// time from left to right, each run a bar marked by how it ended, with
// the waits before them and the refusals and skips marked.

#include <statesync/lock_history.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace statesync::tools {

// The span drawn: server times, Unix ms.
struct TimeSpan {
  long long from = 0;
  long long to = 0;
};

// The records' span: from the first wait or start to the last end; with
// `since` > 0, the `since` ms up to the last end.
TimeSpan timeline_span(const std::vector<RunRecord>& records, long long since);

// The screen, `width` columns wide: a lane per host (sorted by name), the
// time axis, its dates, and a legend. A time t is in column
// (t - from) * (plot width - 1) / (to - from) of the plot, which starts
// after the host names. `colour`: ANSI colours by outcome, else plain
// characters only.
std::string draw_timeline(const std::vector<RunRecord>& records, TimeSpan span, std::size_t width, bool colour);

} // namespace statesync::tools
