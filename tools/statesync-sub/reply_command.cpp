// --reply: a command's run whose standard output is the reply. Its input
// is written and its output read in one poll loop (a 10 MB payload must
// not deadlock against a command that writes before it has read it all),
// within the --reply-timeout.

#include "command_runner.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

using Clock = std::chrono::steady_clock;

struct Pipe {
  int read = -1;
  int write = -1;

  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
      throw Error(ErrorKind::internal, fmt::format("cannot create a pipe: {}", std::strerror(errno)));
    }
    read = fds[0];
    write = fds[1];
  }
  Pipe(const Pipe&) = delete;
  Pipe& operator=(const Pipe&) = delete;
  ~Pipe() {
    close_read();
    close_write();
  }
  void close_read() {
    if (read >= 0) {
      ::close(read);
      read = -1;
    }
  }
  void close_write() {
    if (write >= 0) {
      ::close(write);
      write = -1;
    }
  }
};

int exit_status_of(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

} // namespace

ReplyBody CommandRunner::run_for_reply(std::string_view input, const std::vector<std::string>& variables,
                                       std::optional<std::chrono::milliseconds> timeout,
                                       std::atomic<pid_t>* started) const {
  Pipe to_command;
  Pipe from_command;
  std::string error;
  const pid_t pid = spawn(to_command.read, from_command.write, variables, true, error);
  to_command.close_read();
  from_command.close_write();
  ReplyBody body;
  if (pid < 0) {
    body.status = 127;
    return body;
  }
  if (started != nullptr) {
    started->store(pid);
  }
  ::fcntl(to_command.write, F_SETFL, O_NONBLOCK);
  if (input.empty()) {
    to_command.close_write();
  }
  const std::optional<Clock::time_point> end =
      timeout ? std::optional<Clock::time_point>(Clock::now() + *timeout) : std::nullopt;
  char buffer[65536];
  while (from_command.read >= 0) {
    pollfd fds[2] = {{from_command.read, POLLIN, 0}, {to_command.write, POLLOUT, 0}};
    int wait_ms = -1;
    if (end) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(*end - Clock::now()).count();
      if (left <= 0) {
        ::kill(-pid, SIGKILL);
        body.timed_out = true;
        break;
      }
      wait_ms = static_cast<int>(std::min<long long>(left, 60'000));
    }
    if (::poll(fds, static_cast<nfds_t>(to_command.write >= 0 ? 2 : 1), wait_ms) < 0 && errno != EINTR) {
      break;
    }
    if (fds[0].revents != 0) {
      const ssize_t n = ::read(from_command.read, buffer, sizeof buffer);
      if (n > 0) {
        body.output.append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        from_command.close_read(); // the command (and whatever it started) closed it
      }
    }
    if (to_command.write >= 0 && fds[1].revents != 0) {
      const ssize_t n = ::write(to_command.write, input.data(), input.size());
      if (n > 0) {
        input.remove_prefix(static_cast<std::size_t>(n));
      }
      if (input.empty() || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        to_command.close_write(); // all written, or EPIPE: it does not read it all
      }
    }
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  body.status = exit_status_of(status);
  return body;
}

} // namespace statesync::tools
