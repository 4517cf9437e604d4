#pragma once
// The exit statuses of all three tools. An error's status is the
// library's exit_status_for(ErrorKind) (error.hpp); the statuses only the
// tools have are here, and so is the documented table that the man pages
// show and the tests compare with both (see CONTRIBUTING.md).

#include <statesync/error.hpp>

#include <span>

namespace statesync::tools {

enum ExitStatus : int {
  exit_ok = 0,
  exit_not_this_time = 1,
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

} // namespace statesync::tools
