#pragma once
// --metrics-file: the runs' metrics in Prometheus's text format, for
// node_exporter's textfile collector, one series per lock name and host.
// Counters live on across runs by reading the previous file back.

#include <string>

namespace statesync::tools {

// What one run (or refusal, or skip) adds. Times: Unix milliseconds, so
// that a duration is exact (printed as 0.101, never 0.10099983215332031).
enum class MetricsEvent { run, refused, skipped };

struct MetricsUpdate {
  std::string lock;
  std::string host;
  MetricsEvent event = MetricsEvent::run;
  long long start_ms = 0;
  long long end_ms = 0;
  long long wait_ms = 0; // spent waiting for the lock
  int exit_status = 0;
  bool lost = false;
};

// The file, opened before the lock is taken: its temporary file is created
// at once (Error(output) if it cannot be), so that a run is never done for
// metrics that cannot be kept. write() fills it and renames it over PATH
// (atomically: the collector never reads it half written); a MetricsFile
// destroyed unwritten removes its temporary file.
class MetricsFile {
public:
  explicit MetricsFile(std::string path);
  MetricsFile(const MetricsFile&) = delete;
  MetricsFile& operator=(const MetricsFile&) = delete;
  ~MetricsFile();

  // Reads the previous file (if any), applies `update`, and replaces it.
  void write(const MetricsUpdate& update);

private:
  std::string path_;
  std::string temporary_;
  int fd_ = -1;
};

} // namespace statesync::tools
