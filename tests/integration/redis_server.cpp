#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/error.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace statesync::testing {

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

namespace {

// A redis-server that exited while we waited for it to answer: most often
// because another test's server took one of its free ports between our
// asking for it and its binding it.
struct ExitedAtStart : std::runtime_error {
  ExitedAtStart() : std::runtime_error("redis-server exited as it started (see its redis.log)") {}
};

// The cluster bus port given in `extra`, if any, asked anew.
void choose_bus_port_again(std::vector<std::string>& extra) {
  for (std::size_t i = 0; i + 1 < extra.size(); ++i) {
    if (extra[i] == "--cluster-port") {
      extra[i + 1] = std::to_string(free_port());
    }
  }
}

} // namespace

RedisServer::RedisServer(const std::vector<std::string>& extra, const std::vector<std::string>& config)
    : port_(free_port()), extra_(extra), config_(config) {
  char pattern[] = "/tmp/statesync-redis-XXXXXX";
  dir_ = ::mkdtemp(pattern);
  for (int attempt = 1;; ++attempt) {
    try {
      start();
      return;
    } catch (const ExitedAtStart&) {
      if (attempt == 5) {
        throw;
      }
      port_ = free_port();
      choose_bus_port_again(extra_);
    }
  }
}

void RedisServer::start() {
  const std::string port = std::to_string(port_);
  std::vector<std::string> args = {"redis-server", "--port", port,           "--bind", "127.0.0.1", "--dir",    dir_,
                                   "--save",       "",       "--appendonly", "no",     "--logfile", "redis.log"};
  args.insert(args.end(), extra_.begin(), extra_.end());
  if (!config_.empty()) {
    const std::string file = dir_ + "/redis.conf";
    std::ofstream out(file);
    for (const auto& line : config_) {
      out << line << '\n';
    }
    args.insert(args.begin() + 1, file);
  }
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  pid_ = ::fork();
  if (pid_ == 0) {
    ::execvp("redis-server", argv.data());
    ::_exit(127);
  }
  // Ready when a PING answers; bounded, so a server that never comes up
  // fails the test instead of hanging it.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    if (::waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      throw ExitedAtStart();
    }
    try {
      auto connection = Connection::open(endpoint(), "statesync-test-ready");
      if (connection.command({"PING"}).is_status("PONG")) {
        return;
      }
    } catch (const Error&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop();
  throw std::runtime_error("redis-server did not start");
}

RedisServer::~RedisServer() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

Endpoint RedisServer::endpoint() const {
  Endpoint endpoint;
  endpoint.port = port_;
  endpoint.connect_timeout = std::chrono::milliseconds(2000);
  endpoint.reply_timeout = std::chrono::milliseconds(5000);
  return endpoint;
}

void RedisServer::stop() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
}

void RedisServer::freeze() {
  if (pid_ > 0) {
    ::kill(pid_, SIGSTOP);
  }
}

void RedisServer::thaw() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
  }
}

bool replica_caught_up(const Endpoint& replica) {
  Connection connection = Connection::open(replica, "statesync-test-ready");
  const Reply before = connection.command({"ROLE"});
  if (before.elements.size() < 5 || before.elements[0].str != "slave" || before.elements[3].str != "connected") {
    return false;
  }
  Endpoint master = replica;
  master.host = before.elements[1].str;
  master.port = static_cast<int>(before.elements[2].integer);
  // The master's offset first, the replica's after it: equal or ahead.
  const long long master_offset =
      Connection::open(master, "statesync-test-ready").command({"ROLE"}).elements.at(1).integer;
  return connection.command({"ROLE"}).elements.at(4).integer >= master_offset;
}

} // namespace statesync::testing
