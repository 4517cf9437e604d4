#include "shared_memory_process.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <sched.h>
#include <string>
#include <sys/mman.h>

namespace statesync::tools {

SharedMemoryProcess::SharedMemoryProcess(int (*entry)(void*), void* argument, std::size_t stack_size, bool until_exec,
                                         const char* what)
    : stack_size_(stack_size) {
  stack_ = ::mmap(nullptr, stack_size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (stack_ == MAP_FAILED) {
    stack_ = nullptr;
    throw Error(ErrorKind::internal, std::string("cannot start ") + what + ": " + std::strerror(errno));
  }
  sigset_t all;
  sigset_t saved;
  sigfillset(&all);
  ::sigprocmask(SIG_SETMASK, &all, &saved);
  const int flags = CLONE_VM | SIGCHLD | (until_exec ? CLONE_VFORK : 0);
  pid_ = ::clone(entry, static_cast<char*>(stack_) + stack_size_, flags, argument);
  const int error = errno;
  ::sigprocmask(SIG_SETMASK, &saved, nullptr);
  if (pid_ < 0) {
    ::munmap(stack_, stack_size_);
    stack_ = nullptr;
    throw Error(ErrorKind::internal, std::string("cannot start ") + what + ": " + std::strerror(error));
  }
}

SharedMemoryProcess::~SharedMemoryProcess() {
  if (stack_ != nullptr) {
    ::munmap(stack_, stack_size_);
  }
}

} // namespace statesync::tools
