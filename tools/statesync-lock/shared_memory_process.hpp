#pragma once
// Starting a process that shares our memory (clone with CLONE_VM), as
// posix_spawn does: no page tables to copy now and no copy-on-write faults
// afterwards, which is most of what fork() costs a process of our size,
// and it is paid on every run. The function it runs may use only
// async-signal-safe calls and its own stack, and must end in exec or
// _exit; all signals are blocked in it at first, so that no handler of
// ours runs in it while it shares our variables.

#include <cstddef>
#include <sys/types.h>

namespace statesync::tools {

class SharedMemoryProcess {
public:
  // Runs `entry(argument)` on a stack of `stack_size` bytes. With
  // `until_exec`, returns once the process has exec'd or ended (vfork's
  // semantics); otherwise at once, the process running beside us.
  // Throws Error(internal), naming `what`, if it cannot be started.
  SharedMemoryProcess(int (*entry)(void*), void* argument, std::size_t stack_size, bool until_exec, const char* what);
  SharedMemoryProcess(const SharedMemoryProcess&) = delete;
  SharedMemoryProcess& operator=(const SharedMemoryProcess&) = delete;
  // Frees the stack: call only once the process has exec'd or been reaped.
  ~SharedMemoryProcess();

  pid_t pid() const noexcept { return pid_; }

private:
  void* stack_ = nullptr;
  std::size_t stack_size_ = 0;
  pid_t pid_ = -1;
};

} // namespace statesync::tools
