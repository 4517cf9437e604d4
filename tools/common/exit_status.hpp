#pragma once
// The exit statuses of all three tools: one table, here, that the code,
// the man pages and the tests share (see CONVENTIONS.md).

#include <statesync/error.hpp>

#include <span>

namespace statesync::tools {

enum ExitStatus : int {
  exit_ok = 0,
  exit_not_this_time = 1,
  exit_usage = 64,
  exit_bad_data = 65,
  exit_no_input = 66,
  exit_unavailable = 69,
  exit_internal = 70,
  exit_output = 74,
  exit_lock_lost = 75,
  exit_protocol = 76,
  exit_refused = 77,
  exit_cannot_execute = 126,
  exit_not_found = 127,
  exit_signal_base = 128,
};

struct ExitStatusRow {
  const char* status; // "69", "126 / 127", "128+N"
  const char* meaning;
};

// The documented table, in order; man pages show it and a test compares.
std::span<const ExitStatusRow> exit_status_table();

int exit_status_for(ErrorKind kind) noexcept;

} // namespace statesync::tools
