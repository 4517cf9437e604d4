#include "timeline.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>

namespace statesync::tools {
namespace {

constexpr std::size_t longest_label = 20;
constexpr std::size_t narrowest_plot = 10;

struct Cell {
  char mark = ' ';
  const char* colour = nullptr; // an SGR sequence; nullptr: the terminal's own
};

constexpr const char* green = "\033[32m";
constexpr const char* red = "\033[31m";
constexpr const char* yellow = "\033[33m";
constexpr const char* magenta = "\033[35m";
constexpr const char* cyan = "\033[36m";
constexpr const char* dim = "\033[2m";
constexpr const char* plain = "\033[0m";

// A run's bar: one character a cell, readable without colour.
Cell bar_of(const RunRecord& record) {
  if (record.max_runtime_hit) {
    return {'M', cyan};
  }
  switch (record.outcome) {
  case RunOutcome::ok:
  case RunOutcome::released:
    return {'=', green};
  case RunOutcome::failed:
    return {'F', red};
  case RunOutcome::signal:
    return {'S', yellow};
  case RunOutcome::lost:
    return {'L', magenta};
  case RunOutcome::vanished:
    return {'V', magenta};
  case RunOutcome::refused:
    return {'x', dim};
  case RunOutcome::skipped:
    return {'s', dim};
  }
  return {'?', nullptr};
}

std::string date_text(long long ms, bool with_day) {
  const std::chrono::sys_time<std::chrono::seconds> when{std::chrono::seconds(ms / 1000)};
  return with_day ? fmt::format("{:%m-%d %H:%M}", when) : fmt::format("{:%H:%M:%S}", when);
}

std::string render(const std::vector<Cell>& cells, bool colour) {
  std::string out;
  const char* current = nullptr;
  for (const Cell& cell : cells) {
    if (colour && cell.colour != current) {
      out += cell.colour ? cell.colour : plain;
      current = cell.colour;
    }
    out += cell.mark;
  }
  if (colour && current != nullptr) {
    out += plain;
  }
  return out;
}

} // namespace

TimeSpan timeline_span(const std::vector<RunRecord>& records, long long since) {
  TimeSpan span{0, 0};
  for (const RunRecord& record : records) {
    const long long first = record.wait_start_ms > 0 ? record.wait_start_ms : record.shown_ms();
    span.from = span.from == 0 ? first : std::min(span.from, first);
    span.to = std::max(span.to, record.end_ms);
  }
  if (since > 0) {
    span.from = span.to - since;
  }
  return span;
}

std::string draw_timeline(const std::vector<RunRecord>& records, TimeSpan span, std::size_t width, bool colour) {
  std::map<std::string, std::vector<Cell>> lanes;
  std::size_t label = 0;
  for (const RunRecord& record : records) {
    label = std::max(label, std::min(record.host.size(), longest_label));
  }
  const std::size_t plot = std::max(narrowest_plot, width > label + 1 ? width - label - 1 : 0);
  const long long length = std::max(1LL, span.to - span.from);
  const auto column = [&](long long t) {
    const long long clamped = std::clamp(t, span.from, span.to);
    return static_cast<std::size_t>((clamped - span.from) * static_cast<long long>(plot - 1) / length);
  };
  // Oldest first, so that a later run is drawn over an earlier one.
  std::vector<const RunRecord*> ordered;
  for (const RunRecord& record : records) {
    if (record.end_ms >= span.from) {
      ordered.push_back(&record);
    }
  }
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const RunRecord* a, const RunRecord* b) { return a->shown_ms() < b->shown_ms(); });
  for (const RunRecord* record : ordered) {
    auto& lane = lanes.try_emplace(record->host.substr(0, longest_label), plot).first->second;
    const Cell bar = bar_of(*record);
    if (!record->ran()) {
      lane[column(record->end_ms)] = bar;
      continue;
    }
    if (record->wait_start_ms > 0 && record->wait_start_ms < record->start_ms) {
      for (auto c = column(record->wait_start_ms); c < column(record->start_ms); ++c) {
        lane[c] = {'.', nullptr};
      }
    }
    for (auto c = column(record->start_ms); c <= column(record->end_ms); ++c) {
      lane[c] = bar;
    }
  }
  std::string out;
  for (const auto& [host, cells] : lanes) {
    out += fmt::format("{:<{}} {}\n", host, label, render(cells, colour));
  }
  // The axis: ticks at both ends and the middle, their dates under them.
  const bool with_day = length >= 24LL * 3600 * 1000;
  std::string axis(plot, '-');
  axis.front() = axis.back() = axis[plot / 2] = '|';
  out += fmt::format("{:<{}} {}\n", "", label, axis);
  const std::string left = date_text(span.from, with_day);
  const std::string middle = date_text(span.from + length / 2, with_day);
  const std::string right = date_text(span.to, with_day);
  std::string dates(plot, ' ');
  dates.replace(0, left.size(), left);
  if (plot >= left.size() + middle.size() + right.size() + 4) {
    dates.replace(plot / 2 - middle.size() / 2, middle.size(), middle);
  }
  if (plot >= left.size() + right.size() + 2) {
    dates.replace(plot - right.size(), right.size(), right);
  }
  out += fmt::format("{:<{}} {}\n", "", label, dates);
  // The legend, wrapped to the width.
  std::string legend;
  for (const char* entry : {"= ok", "F failed", "S signal", "L lost", "V vanished", "M --max-runtime", ". waiting",
                            "x refused", "s skipped", "(UTC)"}) {
    const std::string piece = legend.empty() ? std::string(entry) : std::string("  ") + entry;
    if (!legend.empty() && label + 1 + legend.size() + piece.size() > width) {
      out += fmt::format("{:<{}} {}\n", "", label, legend);
      legend = entry;
    } else {
      legend += piece;
    }
  }
  out += fmt::format("{:<{}} {}\n", "", label, legend);
  return out;
}

} // namespace statesync::tools
