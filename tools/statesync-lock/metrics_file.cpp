#include "metrics_file.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <unistd.h>
#include <utility>

namespace statesync::tools {
namespace {

struct Metric {
  const char* name;
  const char* type;
  const char* help;
};

// In the file's order. Names follow Prometheus's conventions: a prefix,
// base units (seconds), _total for counters.
constexpr std::array<Metric, 10> metrics = {{
    {"statesync_lock_last_start_timestamp_seconds", "gauge", "When the last run started (server clock)."},
    {"statesync_lock_last_end_timestamp_seconds", "gauge", "When the last run ended (server clock)."},
    {"statesync_lock_last_duration_seconds", "gauge", "How long the last run held the lock."},
    {"statesync_lock_last_exit_status", "gauge", "statesync-lock's exit status for the last run."},
    {"statesync_lock_last_lost", "gauge", "1 if the lock was lost during the last run."},
    {"statesync_lock_last_success_timestamp_seconds", "gauge", "When the last successful run ended."},
    {"statesync_lock_last_wait_seconds", "gauge", "How long the last attempt waited for the lock."},
    {"statesync_lock_runs_total", "counter", "Runs under the lock."},
    {"statesync_lock_refusals_total", "counter", "Attempts that did not get the lock."},
    {"statesync_lock_losses_total", "counter", "Runs that lost the lock."},
}};

using Series = std::pair<std::string, std::string>; // lock, host
using Samples = std::map<Series, std::map<std::string, double>>;

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// A label's value from `text` at `pos` (just after the opening quote);
// moves `pos` past the closing quote.
std::optional<std::string> read_label(std::string_view text, std::size_t& pos) {
  std::string value;
  while (pos < text.size() && text[pos] != '"') {
    if (text[pos] == '\\' && pos + 1 < text.size()) {
      ++pos;
      value += text[pos] == 'n' ? '\n' : text[pos];
    } else {
      value += text[pos];
    }
    ++pos;
  }
  if (pos >= text.size()) {
    return std::nullopt;
  }
  ++pos;
  return value;
}

// `name{lock="...",host="..."} value`, as write() puts it; anything else
// (comments, lines of other shapes) is skipped.
void read_line(std::string_view line, Samples& samples) {
  const auto brace = line.find("{lock=\"");
  if (line.empty() || line.front() == '#' || brace == std::string_view::npos) {
    return;
  }
  std::size_t pos = brace + 7;
  const auto lock = read_label(line, pos);
  if (!lock || line.substr(pos, 7) != ",host=\"") {
    return;
  }
  pos += 7;
  const auto host = read_label(line, pos);
  if (!host || line.substr(pos, 2) != "} ") {
    return;
  }
  try {
    samples[{*lock, *host}][std::string(line.substr(0, brace))] = std::stod(std::string(line.substr(pos + 2)));
  } catch (const std::exception&) {
    // not a number: the sample is dropped
  }
}

Samples read_previous(const std::string& path) {
  Samples samples;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    read_line(line, samples);
  }
  return samples;
}

void apply(std::map<std::string, double>& series, const MetricsUpdate& update) {
  if (update.refused) {
    series["statesync_lock_refusals_total"] += 1;
    series["statesync_lock_last_wait_seconds"] = update.wait;
    return;
  }
  series["statesync_lock_last_start_timestamp_seconds"] = update.start;
  series["statesync_lock_last_end_timestamp_seconds"] = update.end;
  series["statesync_lock_last_duration_seconds"] = update.end - update.start;
  series["statesync_lock_last_exit_status"] = update.exit_status;
  series["statesync_lock_last_lost"] = update.lost ? 1 : 0;
  series["statesync_lock_last_wait_seconds"] = update.wait;
  if (update.exit_status == 0) {
    series["statesync_lock_last_success_timestamp_seconds"] = update.end;
  }
  series["statesync_lock_runs_total"] += 1;
  if (update.lost) {
    series["statesync_lock_losses_total"] += 1;
  }
}

std::string render(const Samples& samples) {
  std::string out;
  for (const Metric& metric : metrics) {
    std::string lines;
    for (const auto& [series, values] : samples) {
      if (const auto found = values.find(metric.name); found != values.end()) {
        lines += fmt::format("{}{{lock=\"{}\",host=\"{}\"}} {}\n", metric.name, escape_label(series.first),
                             escape_label(series.second), found->second);
      }
    }
    if (!lines.empty()) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{}", metric.name, metric.help, metric.name, metric.type, lines);
    }
  }
  return out;
}

[[noreturn]] void cannot_write(const std::string& path, const std::string& why) {
  throw Error(ErrorKind::output, fmt::format("cannot write the metrics file {}: {}", path, why));
}

} // namespace

void check_metrics_directory(const std::string& path) {
  const std::string directory = directory_of(path);
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    cannot_write(path, fmt::format("directory {}: {}", directory, std::strerror(errno)));
  }
}

void write_metrics_file(const std::string& path, const MetricsUpdate& update) {
  Samples samples = read_previous(path);
  apply(samples[{update.lock, update.host}], update);
  const std::string text = render(samples);
  // Not ending in .prom, so that the collector never reads it half written.
  const auto slash = path.rfind('/');
  const std::string temporary =
      fmt::format("{}.{}.{}.tmp", path.substr(0, slash + 1) + ".", path.substr(slash + 1), ::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    cannot_write(path, std::strerror(errno));
  }
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      cannot_write(path, std::strerror(error));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    cannot_write(path, std::strerror(error));
  }
}

} // namespace statesync::tools
