#include "redis_cluster.hpp"

#include "topology/slot_map.hpp"

#include <statesync/cluster.hpp>
#include <statesync/connection.hpp>
#include <statesync/error.hpp>

#include <chrono>
#include <fcntl.h>
#include <set>
#include <stdexcept>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace statesync::testing {
namespace {

constexpr std::size_t masters = 3;

void create(const std::vector<std::unique_ptr<RedisServer>>& nodes) {
  std::vector<std::string> args = {"redis-cli", "--cluster", "create"};
  for (const auto& node : nodes) {
    args.push_back(node->endpoint().where());
  }
  args.push_back("--cluster-yes");
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(::open("/dev/null", O_WRONLY), STDOUT_FILENO);
    ::execvp("redis-cli", argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("redis-cli --cluster create failed");
  }
}

// Every node says cluster_state:ok and serves all 16384 slots the same way.
bool healthy(const std::vector<std::unique_ptr<RedisServer>>& nodes) {
  std::set<std::vector<std::size_t>> views;
  for (const auto& node : nodes) {
    Connection connection = Connection::open(node->endpoint(), "statesync-test-ready");
    if (connection.command({"CLUSTER", "INFO"}).str.find("cluster_state:ok") == std::string::npos) {
      return false;
    }
    const detail::SlotMap map = detail::SlotMap::read(connection);
    std::vector<std::size_t> owners;
    for (int slot = 0; slot < cluster_slots; ++slot) {
      const auto owner = map.owner(slot);
      if (!owner) {
        return false;
      }
      owners.push_back(static_cast<std::size_t>(map.nodes()[*owner].port));
    }
    views.insert(owners);
  }
  return views.size() == 1;
}

} // namespace

RedisCluster::RedisCluster() {
  for (std::size_t i = 0; i < masters; ++i) {
    nodes_.push_back(std::make_unique<RedisServer>(
        std::vector<std::string>{"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                 // The bus port is the data port + 10000 unless given: that may be
                                 // taken, or past 65535.
                                 "--cluster-port", std::to_string(free_port())}));
  }
  create(nodes_);
  // Bounded: a cluster that never settles fails the test.
  for (int attempt = 0; attempt < 600; ++attempt) {
    if (healthy(nodes_)) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the cluster did not become healthy");
}

Endpoint RedisCluster::seed(std::size_t node) const {
  Endpoint endpoint = nodes_.at(node)->endpoint();
  endpoint.topology = Topology::cluster;
  return endpoint;
}

Endpoint RedisCluster::owner(std::string_view key) const {
  Connection connection = Connection::open(nodes_.front()->endpoint(), "statesync-test");
  const detail::SlotMap map = detail::SlotMap::read(connection);
  return map.nodes()[detail::owner_or_throw(map, key_slot(key), seed())];
}

} // namespace statesync::testing
