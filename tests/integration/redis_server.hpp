#pragma once
// A real redis-server for the library's integration tests: a free loopback
// port, a temporary folder, readiness by PING, stopped in the destructor
// (so also when a test fails).

#include <statesync/endpoint.hpp>

#include <string>
#include <sys/types.h>
#include <vector>

namespace statesync::testing {

// A loopback port nobody listens on now.
int free_port();

class RedisServer {
public:
  // `extra`: more "--option value" arguments for redis-server.
  explicit RedisServer(const std::vector<std::string>& extra = {});
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  Endpoint endpoint() const;
  void stop();
  // After stop(): the same server again, on the same port, empty.
  void start();

private:
  std::string dir_;
  int port_ = 0;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
};

} // namespace statesync::testing
