#include "output.hpp"

#include <statesync/error.hpp>

#include <cerrno>
#include <cstring>
#include <poll.h>
#include <unistd.h>

namespace statesync::tools {

void write_stdout(std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, data.data(), data.size());
    if (n >= 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN) {
      // Standard output may be a non-blocking pipe shared with others.
      pollfd entry{STDOUT_FILENO, POLLOUT, 0};
      ::poll(&entry, 1, -1);
      continue;
    }
    if (errno == EPIPE) {
      throw OutputClosed{};
    }
    throw Error(ErrorKind::output, std::string("cannot write output: ") + std::strerror(errno));
  }
}

} // namespace statesync::tools
