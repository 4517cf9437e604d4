#pragma once
// The command under the lock: its own process group, the terminal's
// foreground while it runs (when we had it), dead if we die (Linux's
// parent-death signal; the rest of its group by a GroupGuard), and exec
// failures reported back.

#include "group_guard.hpp"

#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace statesync::tools {

class Child {
public:
  // Starts `argv` (execvp: no shell) and returns once it has exec'd or
  // failed to. Throws Error(internal) if the process cannot be made.
  explicit Child(const std::vector<std::string>& argv);
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  ~Child();

  // The errno of a failed exec (the child has then exited), or nullopt:
  // the command runs.
  std::optional<int> exec_error() const;

  // The child's status if it has ended (waitpid, not waiting).
  std::optional<int> reap();
  // Waits for it to end.
  int wait();

  // To the whole group: the command and whatever it started.
  void signal_group(int signal) const;
  bool group_alive() const;

  pid_t pid() const noexcept { return pid_; }

private:
  // The child has been reaped.
  void ended();
  void take_terminal_back();

  pid_t pid_ = -1;
  int exec_error_ = 0;
  bool foreground_ = false; // the child's group has the terminal
  std::optional<GroupGuard> guard_;
};

// The exit status for a wait status: the command's own, or 128+N when a
// signal N ended it.
int exit_status_of(int wait_status);

} // namespace statesync::tools
