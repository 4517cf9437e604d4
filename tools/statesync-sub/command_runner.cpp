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

// The variables statesync-sub gives its commands: never inherited, so that
// a command sees only those that describe its own message.
constexpr std::string_view given_variables[] = {
    "STATESYNC_CHANNEL=",    "STATESYNC_PATTERN=", "STATESYNC_RETAINED=", "STATESYNC_VERSION=",
    "STATESYNC_KEY=",        "STATESYNC_EVENT=",   "STATESYNC_STREAM=",   "STATESYNC_ID=",
    "STATESYNC_REQUEST_ID=", "STATESYNC_FILE=",    "STATESYNC_NEW_FILE=", "STATESYNC_DIR="};

bool is_given(const char* entry) {
  for (const auto name : given_variables) {
    if (std::strncmp(entry, name.data(), name.size()) == 0) {
      return true;
    }
  }
  return false;
}

// Our environment without the variables we give, plus `variables`.
std::vector<char*> child_environment(const std::vector<std::string>& variables) {
  std::vector<char*> env;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (!is_given(*entry)) {
      env.push_back(*entry);
    }
  }
  for (const auto& entry : variables) {
    env.push_back(const_cast<char*>(entry.c_str()));
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
  std::vector<std::string> variables{"STATESYNC_CHANNEL=" + message.channel};
  if (!message.pattern.empty()) {
    variables.push_back("STATESYNC_PATTERN=" + message.pattern);
  }
  const bool retained = message.version || message.cleared;
  variables.push_back(std::string("STATESYNC_RETAINED=") + (retained ? "1" : "0"));
  if (message.version) {
    variables.push_back("STATESYNC_VERSION=" + std::to_string(*message.version));
  }
  variables.push_back(std::string("STATESYNC_EVENT=") + (message.cleared ? "clear" : "message"));
  return run(message.payload, variables);
}

pid_t CommandRunner::spawn(int input_fd, int output_fd, const std::vector<std::string>& variables, bool own_group,
                           std::string& error) const {
  std::vector<char*> argv;
  for (const auto& word : command_) {
    argv.push_back(const_cast<char*>(word.c_str()));
  }
  argv.push_back(nullptr);
  std::vector<char*> env = child_environment(variables);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, input_fd, STDIN_FILENO);
  if (output_fd >= 0) {
    posix_spawn_file_actions_adddup2(&actions, output_fd, STDOUT_FILENO);
  }
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
  // In a group of its own, so that a time limit stops what the command
  // started too.
  posix_spawnattr_setpgroup(&attributes, 0);
  posix_spawnattr_setflags(&attributes,
                           static_cast<short>(POSIX_SPAWN_SETSIGDEF | (own_group ? POSIX_SPAWN_SETPGROUP : 0)));

  pid_t pid = -1;
  const int spawned = ::posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), env.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  if (spawned != 0) {
    error = std::strerror(spawned);
    return -1;
  }
  return pid;
}

std::optional<std::string> CommandRunner::run(std::string_view input_bytes,
                                              const std::vector<std::string>& variables) const {
  int input[2];
  if (::pipe2(input, O_CLOEXEC) != 0) {
    throw Error(ErrorKind::internal, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  std::string error;
  const pid_t pid = spawn(input[0], -1, variables, false, error);
  ::close(input[0]);
  if (pid < 0) {
    ::close(input[1]);
    return fmt::format("could not be started: {}", error);
  }
  feed(input[1], input_bytes);
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
