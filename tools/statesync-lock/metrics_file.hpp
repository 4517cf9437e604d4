#pragma once
// --metrics-file: the runs' metrics in Prometheus's text format, for
// node_exporter's textfile collector, one series per lock name and host.
// Counters live on across runs by reading the previous file back.

#include <string>

namespace statesync::tools {

// What one run (or refusal) adds. Times: Unix seconds.
struct MetricsUpdate {
  std::string lock;
  std::string host;
  bool refused = false;
  double start = 0;
  double end = 0;
  double wait = 0; // seconds spent waiting for the lock
  int exit_status = 0;
  bool lost = false;
};

// Error(output) if the file's directory cannot be written: checked before
// the lock is taken, so a run is not done for metrics that cannot be kept.
void check_metrics_directory(const std::string& path);

// Reads the previous file (if any), applies `update`, and replaces the file
// atomically (a temporary file in the same directory, then rename).
void write_metrics_file(const std::string& path, const MetricsUpdate& update);

} // namespace statesync::tools
