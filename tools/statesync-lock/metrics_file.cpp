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
constexpr std::array<Metric, 11> metrics = {{
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
    {"statesync_lock_skips_total", "counter", "Attempts that did not run: their --once-per window had run."},
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

double seconds(long long ms) {
  return static_cast<double>(ms) / 1000.0;
}

void apply(std::map<std::string, double>& series, const MetricsUpdate& update) {
  // Counters are there at 0 from the first write (a rate() or an alert on
  // them needs the series), and so is the last success: 0 until there is
  // one, so that an alert on its age fires for a job that never succeeded.
  for (const char* counted :
       {"statesync_lock_runs_total", "statesync_lock_refusals_total", "statesync_lock_losses_total",
        "statesync_lock_skips_total", "statesync_lock_last_success_timestamp_seconds"}) {
    series.try_emplace(counted, 0.0);
  }
  if (update.event != MetricsEvent::run) {
    series[update.event == MetricsEvent::refused ? "statesync_lock_refusals_total" : "statesync_lock_skips_total"] += 1;
    series["statesync_lock_last_wait_seconds"] = seconds(update.wait_ms);
    return;
  }
  series["statesync_lock_last_start_timestamp_seconds"] = seconds(update.start_ms);
  series["statesync_lock_last_end_timestamp_seconds"] = seconds(update.end_ms);
  series["statesync_lock_last_duration_seconds"] = seconds(update.end_ms - update.start_ms);
  series["statesync_lock_last_exit_status"] = update.exit_status;
  series["statesync_lock_last_lost"] = update.lost ? 1 : 0;
  series["statesync_lock_last_wait_seconds"] = seconds(update.wait_ms);
  if (update.exit_status == 0) {
    series["statesync_lock_last_success_timestamp_seconds"] = seconds(update.end_ms);
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

MetricsFile::MetricsFile(std::string path) : path_(std::move(path)) {
  const std::string directory = directory_of(path_);
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    cannot_write(path_, fmt::format("directory {}: {}", directory, std::strerror(errno)));
  }
  // Not ending in .prom, so that the collector never reads it half written.
  const auto slash = path_.rfind('/');
  temporary_ = fmt::format("{}.{}.{}.tmp", path_.substr(0, slash + 1) + ".", path_.substr(slash + 1), ::getpid());
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    cannot_write(path_, std::strerror(errno));
  }
}

MetricsFile::~MetricsFile() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(temporary_.c_str());
  }
}

void MetricsFile::write(const MetricsUpdate& update) {
  Samples samples = read_previous(path_);
  apply(samples[{update.lock, update.host}], update);
  const std::string text = render(samples);
  const int fd = std::exchange(fd_, -1);
  const auto fail = [&](int error) {
    ::unlink(temporary_.c_str());
    cannot_write(path_, std::strerror(error));
  };
  std::size_t done = 0;
  while (done < text.size()) {
    const auto n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail(error);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temporary_.c_str(), path_.c_str()) != 0) {
    fail(errno);
  }
}

} // namespace statesync::tools
