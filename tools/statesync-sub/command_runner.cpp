#include "command_runner.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace statesync::tools {
namespace {

bool executable(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Where execvp would find `program`, or "" when nowhere.
std::string find_program(const std::string& program) {
  if (program.find('/') != std::string::npos) {
    return executable(program) ? program : "";
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (;;) {
    const auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + program;
    if (executable(candidate)) {
      return candidate;
    }
    if (colon == std::string_view::npos) {
      return "";
    }
    dirs.remove_prefix(colon + 1);
  }
}

// What the command learns of the message besides its payload.
void describe_message(std::vector<std::string>& storage, const Message& message) {
  storage.push_back("STATESYNC_CHANNEL=" + message.channel);
  if (!message.pattern.empty()) {
    storage.push_back("STATESYNC_PATTERN=" + message.pattern);
  }
  const bool retained = message.version || message.cleared;
  storage.push_back(std::string("STATESYNC_RETAINED=") + (retained ? "1" : "0"));
  if (message.version) {
    storage.push_back("STATESYNC_VERSION=" + std::to_string(*message.version));
  }
  storage.push_back(std::string("STATESYNC_EVENT=") + (message.cleared ? "clear" : "message"));
}

bool is_ours(const char* entry) {
  for (const char* name :
       {"STATESYNC_CHANNEL=", "STATESYNC_PATTERN=", "STATESYNC_RETAINED=", "STATESYNC_VERSION=", "STATESYNC_EVENT="}) {
    if (std::strncmp(entry, name, std::strlen(name)) == 0) {
      return true;
    }
  }
  return false;
}

// Our environment without the variables we set (an outer statesync-sub's
// would mislead), plus them.
std::vector<char*> child_environment(std::vector<std::string>& storage, const Message& message) {
  storage.clear();
  describe_message(storage, message);
  std::vector<char*> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!is_ours(*entry)) {
      env.push_back(*entry);
    }
  }
  for (auto& entry : storage) {
    env.push_back(entry.data());
  }
  env.push_back(nullptr);
  return env;
}

// Writes the payload; a command that does not read it all is no error.
void feed(int fd, std::string_view payload) {
  while (!payload.empty()) {
    const ssize_t n = ::write(fd, payload.data(), payload.size());
    if (n > 0) {
      payload.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno != EINTR) {
      return; // EPIPE: the command closed its input
    }
  }
}

} // namespace

CommandRunner::CommandRunner(std::vector<std::string> command) : command_(std::move(command)) {
  if (command_.empty()) {
    throw Error(ErrorKind::usage, "--exec needs a command after --");
  }
  if (find_program(command_.front()).empty()) {
    throw Error(ErrorKind::usage,
                fmt::format("--exec: cannot run '{}': not found or not executable", command_.front()));
  }
}

std::optional<std::string> CommandRunner::run(const Message& message) const {
  std::vector<char*> argv;
  for (const auto& word : command_) {
    argv.push_back(const_cast<char*>(word.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<std::string> storage;
  std::vector<char*> env = child_environment(storage, message);

  int input[2];
  if (::pipe2(input, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input[0], STDIN_FILENO);
  // We ignore SIGPIPE and catch SIGINT/SIGTERM; the command gets the
  // defaults (an ignored signal would stay ignored across exec).
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int signal : {SIGPIPE, SIGINT, SIGTERM}) {
    sigaddset(&defaults, signal);
  }
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);

  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  ::close(input[0]);
  if (spawned != 0) {
    ::close(input[1]);
    return fmt::format("could not be started: {}", std::strerror(spawned));
  }
  feed(input[1], message.payload);
  ::close(input[1]);

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return fmt::format("could not be waited for: {}", std::strerror(errno));
    }
  }
  if (WIFSIGNALED(status)) {
    return fmt::format("died of signal {}", WTERMSIG(status));
  }
  if (WEXITSTATUS(status) != 0) {
    return fmt::format("exited with status {}", WEXITSTATUS(status));
  }
  return std::nullopt;
}

} // namespace statesync::tools
