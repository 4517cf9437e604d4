#include "redis_cluster.hpp"

#include "topology/slot_map.hpp"
#include "wait.hpp"

#include <statesync/cluster.hpp>
#include <statesync/connection.hpp>
#include <statesync/error.hpp>

#include <algorithm>
#include <chrono>
#include <fcntl.h>
#include <set>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace statesync::testing {
namespace {

constexpr std::size_t masters = 3;

void create(const std::vector<std::unique_ptr<RedisServer>>& nodes, bool with_replicas) {
  std::vector<std::string> args = {"redis-cli", "--cluster", "create"};
  for (const auto& node : nodes) {
    args.push_back(node->endpoint().where());
  }
  args.insert(args.end(), {"--cluster-replicas", with_replicas ? "1" : "0", "--cluster-yes"});
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

bool is_replica(Connection& connection) {
  return connection.command({"ROLE"}).elements.at(0).str == "slave";
}

// Every node says cluster_state:ok, serves all 16384 slots the same way,
// and every replica's link to its master is up.
bool healthy(const std::vector<const RedisServer*>& nodes) {
  std::set<std::vector<std::size_t>> views;
  for (const auto* node : nodes) {
    Connection connection = Connection::open(node->endpoint(), "statesync-test-ready");
    if (connection.command({"CLUSTER", "INFO"}).str.find("cluster_state:ok") == std::string::npos) {
      return false;
    }
    if (is_replica(connection) && !replica_caught_up(node->endpoint())) {
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

RedisCluster::RedisCluster(bool with_replicas) {
  for (std::size_t i = 0; i < masters * (with_replicas ? 2 : 1); ++i) {
    std::vector<std::string> extra = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                      // The bus port is the data port + 10000 unless given: that may be
                                      // taken, or past 65535.
                                      "--cluster-port", std::to_string(free_port())};
    if (with_replicas) {
      // A replica must take over however long it was apart from its master.
      extra.insert(extra.end(), {"--cluster-node-timeout", "1000", "--cluster-replica-validity-factor", "0"});
    }
    nodes_.push_back(std::make_unique<RedisServer>(extra));
  }
  create(nodes_, with_replicas);
  wait_until([&] { return healthy(running()); }, "the cluster to become healthy");
}

std::vector<const RedisServer*> RedisCluster::running() const {
  std::vector<const RedisServer*> out;
  for (const auto& node : nodes_) {
    if (std::find(killed_.begin(), killed_.end(), node.get()) == killed_.end()) {
      out.push_back(node.get());
    }
  }
  return out;
}

RedisServer& RedisCluster::node(const Endpoint& endpoint) {
  for (auto& node : nodes_) {
    if (node->endpoint().port == endpoint.port) {
      return *node;
    }
  }
  throw std::runtime_error("no node of the cluster at " + endpoint.where());
}

Endpoint RedisCluster::seed(std::size_t node) const {
  Endpoint endpoint = nodes_.at(node)->endpoint();
  endpoint.topology = Topology::cluster;
  return endpoint;
}

Endpoint RedisCluster::owner(std::string_view key) const {
  const Endpoint asked = running().front()->endpoint();
  Connection connection = Connection::open(asked, "statesync-test");
  const detail::SlotMap map = detail::SlotMap::read(connection);
  return map.nodes()[detail::owner_or_throw(map, key_slot(key), asked)];
}

std::vector<std::string> RedisCluster::names_on_every_master(std::string_view prefix, std::string_view suffix) const {
  std::vector<std::string> names;
  std::vector<std::string> owners;
  for (int n = 0; owners.size() < masters; ++n) {
    std::string name(prefix);
    name += std::to_string(n);
    name += suffix;
    const std::string owner = this->owner(name).where();
    if (std::find(owners.begin(), owners.end(), owner) == owners.end()) {
      owners.push_back(owner);
      names.push_back(name);
    }
  }
  return names;
}

bool RedisCluster::replicas_caught_up() const {
  for (const auto* node : running()) {
    Connection connection = Connection::open(node->endpoint(), "statesync-test-ready");
    if (is_replica(connection) && !replica_caught_up(node->endpoint())) {
      return false;
    }
  }
  return true;
}

void RedisCluster::freeze_owner(std::string_view key) {
  node(owner(key)).freeze();
}

Endpoint RedisCluster::kill_owner(std::string_view key) {
  const Endpoint old = owner(key);
  RedisServer& killed = node(old);
  killed.stop();
  killed_.push_back(&killed);
  wait_until([&] { return owner(key).port != old.port && healthy(running()); },
             "a replica to take over the killed master");
  return owner(key);
}

} // namespace statesync::testing
