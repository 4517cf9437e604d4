#include "exit_status.hpp"

#include <array>

namespace statesync::tools {

std::span<const ExitStatusRow> exit_status_table() {
  static constexpr std::array rows = {
      ExitStatusRow{"0", "success", for_all},
      ExitStatusRow{"1", "--require-subscribers was not met, or a --request went unanswered", for_pub},
      ExitStatusRow{"1", "-w or --idle ended it before -C was reached", for_sub},
      ExitStatusRow{"1", "the lock was not acquired (-E changes this status)", for_lock},
      ExitStatusRow{"2 / 3", "--check: CRITICAL / UNKNOWN (0 OK, 1 WARNING), for monitoring", for_lock},
      ExitStatusRow{"64", "usage: a bad option, argument, URL or format template", for_all},
      ExitStatusRow{"65", "bad input data: a --channel-field record without its separator", for_pub},
      ExitStatusRow{"65", "bad input data: a --resume file line that is not 'ID KEY'", for_sub},
      ExitStatusRow{"66", "an input file cannot be read", for_pub},
      ExitStatusRow{"66", "the --resume file cannot be read", for_sub},
      ExitStatusRow{"69", "server unavailable, connection lost, or an error reply (quoted)", for_all},
      ExitStatusRow{"70", "internal error (a bug)", for_all},
      ExitStatusRow{"74", "cannot write output (a closed pipe ends the tool quietly with 0)", for_all},
      ExitStatusRow{"75", "the lock was lost while the command ran", for_lock},
      ExitStatusRow{"76", "protocol: a malformed or unexpected reply", for_all},
      ExitStatusRow{"77", "refused: authentication failed, NOAUTH, NOPERM", for_all},
      ExitStatusRow{"79", "fenced: a newer holder has taken the lock (--fenced, --fence-check)", for_pub | for_lock},
      ExitStatusRow{"126 / 127", "the command cannot be executed / was not found", for_lock},
      ExitStatusRow{"128+N", "ended by signal N after a clean shutdown", for_pub | for_sub},
      ExitStatusRow{"128+N", "ended by signal N, or the command died of signal N", for_lock},
      ExitStatusRow{"other", "the command's own exit status, passed through", for_lock},
  };
  return rows;
}

std::vector<ExitStatusRow> exit_status_rows(std::string_view tool) {
  const unsigned mask = tool == "statesync-pub" ? for_pub : tool == "statesync-sub" ? for_sub : for_lock;
  std::vector<ExitStatusRow> rows;
  for (const auto& row : exit_status_table()) {
    if ((row.tools & mask) != 0) {
      rows.push_back(row);
    }
  }
  return rows;
}

} // namespace statesync::tools
