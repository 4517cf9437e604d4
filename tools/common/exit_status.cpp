#include "exit_status.hpp"

#include <array>

namespace statesync::tools {

std::span<const ExitStatusRow> exit_status_table() {
  static constexpr std::array rows = {
      ExitStatusRow{"0", "success"},
      ExitStatusRow{"1", "not this time: lock not acquired (statesync-lock; -E changes it), -W elapsed before -C "
                         "was reached (statesync-sub), --require-subscribers not met (statesync-pub)"},
      ExitStatusRow{"64", "usage: unknown option, bad argument, URL that does not parse, bad format template"},
      ExitStatusRow{"65", "bad input data, e.g. a --channel-field record without its separator"},
      ExitStatusRow{"66", "an input file cannot be read"},
      ExitStatusRow{"69", "server unavailable: cannot connect, TLS refused, a reply timeout, connection lost and "
                          "not recovered, or any other error reply from the server, quoted"},
      ExitStatusRow{"70", "internal error (a bug)"},
      ExitStatusRow{"74", "cannot write output (a closed output pipe is not an error: the program ends at once, "
                          "quietly, with 0)"},
      ExitStatusRow{"75", "statesync-lock: the lock was lost while the command ran"},
      ExitStatusRow{"76", "protocol: a reply that is malformed or not what the command should get"},
      ExitStatusRow{"77", "refused: authentication failed, NOAUTH, NOPERM"},
      ExitStatusRow{"126 / 127", "statesync-lock: the command cannot be executed / was not found"},
      ExitStatusRow{"128+N", "ended by signal N after a clean shutdown (statesync-lock: the command died of "
                             "signal N)"},
      ExitStatusRow{"other", "statesync-lock: the command's own exit status, passed through"},
  };
  return rows;
}

} // namespace statesync::tools
