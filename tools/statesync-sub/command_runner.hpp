#pragma once
// --exec: runs a command once per message, with the payload on its
// standard input and STATESYNC_CHANNEL / STATESYNC_PATTERN in its
// environment. No shell: the words are the program and its arguments.

#include <statesync/request.hpp>
#include <statesync/subscriber.hpp>

#include <atomic>
#include <chrono>
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

class CommandRunner {
public:
  // Throws Error(usage) when the program cannot be found or executed, so
  // that a typo fails at once rather than at the first message.
  explicit CommandRunner(std::vector<std::string> command);

  // Runs the command for one message and waits for it to end. Returns
  // what went wrong ("exited with status 3", "died of signal 9", "could
  // not be started: ..."), or nothing when it exited with 0.
  std::optional<std::string> run(const Message& message) const;
  // The same for any input: `input` on its standard input, `variables`
  // ("NAME=value") added to its environment.
  std::optional<std::string> run(std::string_view input, const std::vector<std::string>& variables) const;

  // For --reply: runs the command with `input` on its standard input and
  // returns its standard output and exit status (128+N: died of signal N;
  // 127: could not be started). Past `timeout` the command's process group
  // is killed and the reply says it timed out. May be called from several
  // threads at once; `started` (when not null) gets the command's pid,
  // which is also its process group's, as soon as it runs.
  ReplyBody run_for_reply(std::string_view input, const std::vector<std::string>& variables,
                          std::optional<std::chrono::milliseconds> timeout,
                          std::atomic<pid_t>* started = nullptr) const;

private:
  // Starts the command with `input_fd` as its standard input and, unless
  // -1, `output_fd` as its standard output; `own_group`: in a process group
  // of its own. Returns its pid, or -1 with `error` set.
  pid_t spawn(int input_fd, int output_fd, const std::vector<std::string>& variables, bool own_group,
              std::string& error) const;

  std::vector<std::string> command_;
};

} // namespace statesync::tools
