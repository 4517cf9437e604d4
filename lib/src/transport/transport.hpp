#pragma once
// The byte stream under a connection: a TCP or Unix socket, or TLS over a
// TCP socket. hiredis 0.14 has no TLS, so the library owns the transport and
// uses hiredis only to encode and decode the protocol.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <cstddef>
#include <memory>

namespace statesync::detail {

// The outcome of one non-blocking read or write.
struct IoResult {
  std::size_t bytes = 0;
  short wants = 0; // when bytes == 0: POLLIN or POLLOUT to wait for
  bool closed = false;
};

class Transport {
public:
  Transport() = default;
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;
  virtual ~Transport() = default;

  virtual IoResult read(char* buffer, std::size_t size) = 0;
  virtual IoResult write(const char* data, std::size_t size) = 0;
  virtual int fd() const noexcept = 0;
};

// Opens the socket the endpoint names (and the TLS session when asked for),
// failing with Error(unavailable) by the deadline.
std::unique_ptr<Transport> open_transport(const Endpoint& endpoint, Clock::time_point deadline);

// A connected non-blocking socket.
class SocketTransport final : public Transport {
public:
  explicit SocketTransport(int fd) : fd_(fd) {}
  ~SocketTransport() override;
  IoResult read(char* buffer, std::size_t size) override;
  IoResult write(const char* data, std::size_t size) override;
  int fd() const noexcept override { return fd_; }

private:
  int fd_;
};

// Connects a non-blocking TCP (or Unix) socket by the deadline.
int connect_socket(const Endpoint& endpoint, Clock::time_point deadline);

// Wraps a connected TCP socket in TLS, verifying the server as asked.
std::unique_ptr<Transport> start_tls(int fd, const Endpoint& endpoint, Clock::time_point deadline);

} // namespace statesync::detail
