#pragma once
// The exit statuses of all three tools. An error's status is the
// library's exit_status_for(ErrorKind) (error.hpp); the statuses only the
// tools have are here, and so is the documented table that the help texts
// and the man pages show and the tests compare with both (see CONTRIBUTING.md).

#include <statesync/error.hpp>

#include <span>
#include <string_view>
#include <vector>

namespace statesync::tools {

enum ExitStatus : int {
  exit_ok = 0,
  exit_not_this_time = 1,
  exit_cannot_execute = 126,
  exit_not_found = 127,
  exit_signal_base = 128,
};

// Which tools return a status: a row's meaning can differ per tool.
enum ToolMask : unsigned { for_pub = 1, for_sub = 2, for_lock = 4, for_all = 7 };

struct ExitStatusRow {
  const char* status;  // "69", "126 / 127", "128+N"
  const char* meaning; // short enough for one line of --help
  unsigned tools;      // ToolMask bits
};

// The documented table, in order, every tool's rows.
std::span<const ExitStatusRow> exit_status_table();

// The rows of one tool ("statesync-pub" ...): what its help and man page list.
std::vector<ExitStatusRow> exit_status_rows(std::string_view tool);

} // namespace statesync::tools
