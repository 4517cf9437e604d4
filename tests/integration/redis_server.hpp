#pragma once
// A real redis-server for the library's integration tests: a free loopback
// port, a temporary folder, readiness by PING, stopped in the destructor
// (so also when a test fails).

#include <statesync/endpoint.hpp>

#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace statesync::testing {

// A loopback port nobody listens on now.
int free_port();

class RedisServer {
public:
  // `extra`: more "--option value" arguments for redis-server. `config`:
  // lines of a configuration file written to its folder and given first
  // (a Sentinel needs one it can rewrite).
  explicit RedisServer(const std::vector<std::string>& extra = {}, const std::vector<std::string>& config = {});
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;
  ~RedisServer();

  Endpoint endpoint() const;
  // Kills it (SIGKILL), as a crash would; also when frozen.
  void stop();
  // Stops it answering without closing its sockets (SIGSTOP): commands sent
  // to it stay unread until stop() kills it.
  void freeze();
  // After freeze(): it answers again, reading what was sent meanwhile (SIGCONT).
  void thaw();
  // After stop(): the same server again, on the same port, empty.
  void start();

private:
  std::string dir_;
  int port_ = 0;
  std::vector<std::string> extra_;
  std::vector<std::string> config_;
  pid_t pid_ = -1;
};

// True when the replica at `replica` is linked to its master and has
// processed all the master had when asked: what was acknowledged there is
// not lost when the replica takes over.
bool replica_caught_up(const Endpoint& replica);

} // namespace statesync::testing
