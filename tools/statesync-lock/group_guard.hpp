#pragma once
// Kills the command's whole process group if statesync-lock dies without
// saying goodbye (SIGKILL, a crash). The parent-death signal reaches only
// the command itself, not what it started; and those must not outlive the
// lease, or they run on beside the next holder. A small process of ours
// waits on a pipe: end of file without a goodbye byte means we are gone.

#include "shared_memory_process.hpp"

#include <optional>
#include <sys/types.h>

namespace statesync::tools {

// What the guard reads as it starts: the pipe's read end.
struct GroupWatch {
  int pipe = -1;
};

class GroupGuard {
public:
  // Started before the command, so that no moment passes in which the
  // command runs unguarded; the command's process, once in its own group,
  // writes the group's id (a pid_t) to group_fd() before it execs. Throws
  // Error(internal) if the guard cannot be started.
  GroupGuard();
  GroupGuard(const GroupGuard&) = delete;
  GroupGuard& operator=(const GroupGuard&) = delete;
  // The pipe's write end (close-on-exec), for announcing the group.
  int group_fd() const noexcept { return pipe_; }
  // Says goodbye: the guard ends without touching the group. Once the
  // group is empty there is nothing left to guard, and saying it then
  // lets the guard end while we still talk to the server.
  void dismiss();
  // Says goodbye if not yet said, and waits for the guard to end.
  ~GroupGuard();

private:
  // Read by the guard, which shares our memory, after we may have returned
  // from the constructor: so here, where it stays put.
  GroupWatch watch_;
  int pipe_ = -1;
  std::optional<SharedMemoryProcess> process_;
};

} // namespace statesync::tools
