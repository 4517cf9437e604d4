#pragma once
// Kills the command's whole process group if statesync-lock dies without
// saying goodbye (SIGKILL, a crash). The parent-death signal reaches only
// the command itself, not what it started; and those must not outlive the
// lease, or they run on beside the next holder. A small process of ours
// waits on a pipe: end of file without a goodbye byte means we are gone.

#include <sys/types.h>

namespace statesync::tools {

class GroupGuard {
public:
  // Throws Error(internal) if the guard cannot be started.
  explicit GroupGuard(pid_t group);
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;
  // Says goodbye: the guard ends without touching the group.
  ~GroupGuard();

private:
  pid_t pid_ = -1;
  int pipe_ = -1;
};

} // namespace statesync::tools
