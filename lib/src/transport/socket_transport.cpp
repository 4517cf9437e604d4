// TCP and Unix sockets: non-blocking connect with a deadline, keepalive.

#include "transport/resolve.hpp"
#include "transport/transport.hpp"
#include "util/deadline.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace statesync::detail {
namespace {

[[noreturn]] void cannot_connect(const Endpoint& endpoint, const std::string& why) {
  throw Error(ErrorKind::unavailable, fmt::format("cannot connect to {}: {}", endpoint.where(), why));
}

void set_socket_options(int fd, bool tcp) {
  const int on = 1;
  if (tcp) {
    // Keepalive notices a peer that vanished; NODELAY because commands are
    // small and latency matters more than packet count.
    ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on);
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const int idle = 60;
    const int interval = 15;
    const int probes = 4;
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &interval, sizeof interval);
    ::setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &probes, sizeof probes);
  }
}

// Returns the connected fd, or -1 with `why` set.
int try_connect(int family, const sockaddr* address, socklen_t length, Clock::time_point deadline,
                const Endpoint& endpoint, std::string& why) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    why = std::strerror(errno);
    return -1;
  }
  if (::connect(fd, address, length) == 0) {
    return fd;
  }
  if (errno != EINPROGRESS) {
    why = std::strerror(errno);
    ::close(fd);
    return -1;
  }
  for (;;) {
    const Readiness ready = wait_fd(fd, POLLOUT, deadline);
    if (ready == Readiness::interrupted) {
      continue;
    }
    if (ready == Readiness::timed_out) {
      why = fmt::format("timed out after {}", seconds_text(endpoint.connect_timeout));
      ::close(fd);
      return -1;
    }
    break;
  }
  int error = 0;
  socklen_t error_length = sizeof error;
  ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length);
  if (error != 0) {
    why = std::strerror(error);
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

int connect_socket(const Endpoint& endpoint, Clock::time_point deadline) {
  std::string why;
  if (!endpoint.socket_path.empty()) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (endpoint.socket_path.size() >= sizeof address.sun_path) {
      cannot_connect(endpoint, "socket path too long");
    }
    std::memcpy(address.sun_path, endpoint.socket_path.c_str(), endpoint.socket_path.size() + 1);
    const int fd =
        try_connect(AF_UNIX, reinterpret_cast<const sockaddr*>(&address), sizeof address, deadline, endpoint, why);
    if (fd < 0) {
      cannot_connect(endpoint, why);
    }
    set_socket_options(fd, false);
    return fd;
  }

  const Addresses found = resolve(endpoint, deadline);
  int fd = -1;
  for (const addrinfo* candidate = found.get(); candidate != nullptr && fd < 0; candidate = candidate->ai_next) {
    fd = try_connect(candidate->ai_family, candidate->ai_addr, candidate->ai_addrlen, deadline, endpoint, why);
  }
  if (fd < 0) {
    cannot_connect(endpoint, why);
  }
  set_socket_options(fd, true);
  return fd;
}

SocketTransport::~SocketTransport() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

IoResult SocketTransport::read(char* buffer, std::size_t size) {
  for (;;) {
    const ssize_t n = ::recv(fd_, buffer, size, 0);
    if (n > 0) {
      return {static_cast<std::size_t>(n), 0, false};
    }
    if (n == 0) {
      return {0, 0, true};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {0, POLLIN, false};
    }
    return {0, 0, true};
  }
}

IoResult SocketTransport::write(const char* data, std::size_t size) {
  for (;;) {
    // MSG_NOSIGNAL: a peer that closed must not kill the process with SIGPIPE.
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n >= 0) {
      return {static_cast<std::size_t>(n), n == 0 ? short(POLLOUT) : short(0), false};
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      return {0, POLLOUT, false};
    }
    return {0, 0, true};
  }
}

std::unique_ptr<Transport> open_transport(const Endpoint& endpoint, Clock::time_point deadline) {
  const int fd = connect_socket(endpoint, deadline);
  if (endpoint.tls.enabled && endpoint.socket_path.empty()) {
    return start_tls(fd, endpoint, deadline);
  }
  return std::make_unique<SocketTransport>(fd);
}

} // namespace statesync::detail
