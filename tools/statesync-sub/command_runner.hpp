#pragma once
// --exec: runs a command once per message, with the payload on its
// standard input and STATESYNC_CHANNEL / STATESYNC_PATTERN in its
// environment. No shell: the words are the program and its arguments.

#include <statesync/subscriber.hpp>

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
  // The same for any payload, with `variables` ("NAME=value") set.
  std::optional<std::string> run(std::string_view payload, std::vector<std::string> variables) const;

private:
  std::vector<std::string> command_;
};

} // namespace statesync::tools
