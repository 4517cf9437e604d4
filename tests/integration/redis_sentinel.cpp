#include "redis_sentinel.hpp"

#include "wait.hpp"

#include <statesync/connection.hpp>

#include <map>
#include <set>
#include <stdexcept>

namespace statesync::testing {
namespace {

// A reply of field/value pairs (SENTINEL MASTER, each of SENTINEL REPLICAS).
std::map<std::string, std::string> fields(const Reply& reply) {
  std::map<std::string, std::string> out;
  for (std::size_t i = 0; i + 1 < reply.elements.size(); i += 2) {
    out[reply.elements[i].str] = reply.elements[i + 1].str;
  }
  return out;
}

Reply ask(const RedisServer& node, std::initializer_list<std::string_view> args) {
  return Connection::open(node.endpoint(), "statesync-test").command(args);
}

} // namespace

RedisSentinelGroup::RedisSentinelGroup(std::string master_name) : name_(std::move(master_name)) {
  data_nodes_.push_back(std::make_unique<RedisServer>());
  const std::string master_port = std::to_string(data_nodes_[0]->endpoint().port);
  data_nodes_.push_back(
      std::make_unique<RedisServer>(std::vector<std::string>{"--replicaof", "127.0.0.1", master_port}));
  wait_until([&] { return testing::replica_caught_up(data_nodes_[1]->endpoint()); }, "the replica to sync");
  for (int i = 0; i < 3; ++i) {
    sentinels_.push_back(std::make_unique<RedisServer>(
        std::vector<std::string>{"--sentinel"},
        std::vector<std::string>{"sentinel monitor " + name_ + " 127.0.0.1 " + master_port + " 2",
                                 "sentinel down-after-milliseconds " + name_ + " 1000",
                                 "sentinel failover-timeout " + name_ + " 3000",
                                 "sentinel parallel-syncs " + name_ + " 1"}));
  }
  wait_until([&] { return settled(); }, "the Sentinels to agree");
}

bool RedisSentinelGroup::settled() const {
  std::set<std::string> named;
  for (const auto& sentinel : sentinels_) {
    named.insert(named_by(*sentinel).where());
    const auto master = fields(ask(*sentinel, {"SENTINEL", "MASTER", name_}));
    if (master.at("num-slaves") == "0" || master.at("num-other-sentinels") != "2" ||
        master.at("flags").find("_down") != std::string::npos) {
      return false;
    }
    bool linked = false;
    for (const auto& replica : ask(*sentinel, {"SENTINEL", "REPLICAS", name_}).elements) {
      linked = linked || fields(replica).at("master-link-status") == "ok";
    }
    if (!linked) {
      return false;
    }
  }
  return named.size() == 1;
}

Endpoint RedisSentinelGroup::named_by(const RedisServer& sentinel) const {
  const Reply address = ask(sentinel, {"SENTINEL", "GET-MASTER-ADDR-BY-NAME", name_});
  Endpoint endpoint = data_nodes_[0]->endpoint();
  endpoint.host = address.elements.at(0).str;
  endpoint.port = std::stoi(address.elements.at(1).str);
  return endpoint;
}

Endpoint RedisSentinelGroup::endpoint() const {
  Endpoint endpoint = data_nodes_[0]->endpoint();
  endpoint.topology = Topology::sentinel;
  endpoint.master_name = name_;
  for (const auto& sentinel : sentinels_) {
    endpoint.sentinels.push_back({sentinel->endpoint().host, sentinel->endpoint().port});
  }
  return endpoint;
}

Endpoint RedisSentinelGroup::master() const {
  return named_by(*sentinels_[0]);
}

RedisServer& RedisSentinelGroup::data_node(const Endpoint& endpoint) {
  for (auto& node : data_nodes_) {
    if (node->endpoint().port == endpoint.port) {
      return *node;
    }
  }
  throw std::runtime_error("the Sentinels name no data node of the group: " + endpoint.where());
}

bool RedisSentinelGroup::replica_caught_up() const {
  const int master_port = master().port;
  for (const auto& node : data_nodes_) {
    if (node->endpoint().port != master_port && !testing::replica_caught_up(node->endpoint())) {
      return false;
    }
  }
  return true;
}

void RedisSentinelGroup::freeze_master() {
  data_node(master()).freeze();
}

void RedisSentinelGroup::cut_replica_off() {
  const Endpoint named = master();
  for (const auto& node : data_nodes_) {
    if (node->endpoint().port != named.port) {
      ask(*node, {"CONFIG", "SET", "masterauth", "not-the-password"});
    }
  }
  RedisServer& master_node = data_node(named);
  ask(master_node, {"CLIENT", "KILL", "TYPE", "replica"});
  wait_until(
      [&] {
        return ask(master_node, {"INFO", "replication"}).str.find("connected_slaves:0") != std::string::npos;
      },
      "the master to have no replica connected");
}

Endpoint RedisSentinelGroup::failover(Failover how) {
  const Endpoint old = master();
  if (how == Failover::killed) {
    data_node(old).stop();
  } else {
    ask(*sentinels_[0], {"SENTINEL", "FAILOVER", name_});
  }
  Endpoint promoted;
  wait_until(
      [&] {
        promoted = master();
        if (promoted.port == old.port) {
          return false;
        }
        for (const auto& sentinel : sentinels_) {
          if (named_by(*sentinel).port != promoted.port) {
            return false;
          }
        }
        return Connection::open(promoted, "statesync-test").command({"ROLE"}).elements.at(0).str == "master";
      },
      "every Sentinel to name the promoted replica");
  if (how == Failover::manual) {
    // Done when the old master follows the new one: until the Sentinels
    // reconfigure it (and close its clients' connections) it still takes
    // writes, which the resync then drops.
    wait_until(
        [&] {
          const Reply role = Connection::open(old, "statesync-test").command({"ROLE"});
          return role.elements.at(0).str == "slave" && role.elements.at(2).integer == promoted.port;
        },
        "the old master to follow the promoted replica");
  }
  return promoted;
}

} // namespace statesync::testing
