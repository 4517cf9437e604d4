#include "readiness.hpp"

#include "common/option_checks.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace statesync::tools {

void add_readiness_options(CLI::App& app, ReadinessOptions& options) {
  app.add_option("--ready-file", options.file, "Create FILE once subscribed, for a script to wait on")
      ->option_text("FILE")
      ->group("Subscribing");
  app.add_option("--ready-fd", options.fd, "Close descriptor N (3 or more) once subscribed")
      ->option_text("N")
      ->check(whole_number_in(3, 1 << 20))
      ->group("Subscribing");
}

void check_readiness(const ReadinessOptions& options) {
  if (options.fd && ::fcntl(*options.fd, F_GETFD) == -1) {
    throw Error(ErrorKind::usage, fmt::format("--ready-fd {}: no such open descriptor", *options.fd));
  }
}

void signal_ready(const ReadinessOptions& options, std::size_t count, bool patterns) {
  report_verbose(fmt::format("subscribed to {} {}{}", count, patterns ? "pattern" : "channel", count == 1 ? "" : "s"));
  if (options.file) {
    const int fd = ::open(options.file->c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw Error(ErrorKind::output,
                  fmt::format("cannot create --ready-file {}: {}", *options.file, std::strerror(errno)));
    }
    ::close(fd);
  }
  if (options.fd) {
    ::close(*options.fd);
  }
}

} // namespace statesync::tools
