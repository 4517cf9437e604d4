// Sentinel discovery: SENTINEL get-master-addr-by-name, then ROLE.

#include "topology/sentinel.hpp"

#include "util/deadline.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

namespace statesync::detail {
namespace {

// Between rounds over the Sentinels while a failover is under way.
constexpr std::chrono::milliseconds round_pause{100};

Endpoint sentinel_endpoint(const Endpoint& endpoint, const HostPort& address, Clock::time_point deadline) {
  Endpoint sentinel = endpoint;
  sentinel.topology = Topology::standalone;
  sentinel.sentinels.clear();
  sentinel.host = address.host;
  sentinel.port = address.port;
  sentinel.socket_path.clear();
  sentinel.db = 0; // Sentinels have no databases
  sentinel.user = endpoint.sentinel_user;
  sentinel.password = endpoint.sentinel_password;
  sentinel.connect_timeout = std::max(
      std::chrono::milliseconds(1),
      std::min(endpoint.connect_timeout, std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now())));
  return sentinel;
}

// The replicas `sentinel` lists for `master` that it does not see down or
// cut off: what the deployment has, whatever a (possibly demoted) master
// says of its own.
int replicas_listed(Connection& sentinel, const std::string& master) {
  const Reply reply = sentinel.command({"SENTINEL", "REPLICAS", master});
  int up = 0;
  for (const Reply& replica : reply.elements) {
    for (std::size_t i = 0; i + 1 < replica.elements.size(); i += 2) {
      if (replica.elements[i].str == "flags") {
        const std::string& flags = replica.elements[i + 1].str;
        up += flags.find("down") == std::string::npos && flags.find("disconnected") == std::string::npos ? 1 : 0;
      }
    }
  }
  return up;
}

bool is_master(Connection& connection, std::string& why) {
  const Reply role = expect_ok(connection.command({"ROLE"}), fmt::format("ROLE at {}", connection.where()));
  if (role.type == Reply::Type::array && !role.elements.empty() && role.elements[0].str == "master") {
    return true;
  }
  why = fmt::format("{} is not a master yet (a failover is under way)", connection.where());
  return false;
}

} // namespace

std::optional<HostPort> master_named_by(Connection& sentinel, const std::string& master, std::string& why) {
  const Reply reply = sentinel.command({"SENTINEL", "get-master-addr-by-name", master});
  if (reply.is_error()) {
    throw Error(reply, fmt::format("Sentinel {} refused to name master '{}'", sentinel.where(), master));
  }
  if (reply.type == Reply::Type::nil) {
    why = fmt::format("Sentinel {} knows no master '{}'", sentinel.where(), master);
    return std::nullopt;
  }
  if (reply.type != Reply::Type::array || reply.elements.size() != 2) {
    throw Error(ErrorKind::protocol, fmt::format("unexpected reply to SENTINEL get-master-addr-by-name from {}: {}",
                                                 sentinel.where(), reply.describe()));
  }
  return parse_host_port(reply.elements[0].str + ":" + reply.elements[1].str, 6379, "master address");
}

Connection open_sentinel(const Endpoint& endpoint, const HostPort& address, const std::string& client_name,
                         Clock::time_point connect_by, std::optional<Clock::time_point> wait_limit) {
  // A Sentinel's refusal says it is the Sentinel's: its credentials are
  // not the data nodes'.
  try {
    return Connection::open(sentinel_endpoint(endpoint, address, connect_by), client_name, wait_limit);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::unavailable) {
      throw;
    }
    throw Error(error, fmt::format("Sentinel {}", error.what()));
  }
}

void check_sentinel_endpoint(const Endpoint& endpoint) {
  if (endpoint.topology != Topology::sentinel) {
    return;
  }
  if (endpoint.master_name.empty()) {
    throw Error(ErrorKind::usage, "Sentinel needs a master name (--master NAME)");
  }
  if (endpoint.sentinels.empty()) {
    throw Error(ErrorKind::usage, "Sentinel needs at least one address (--sentinel HOST:PORT)");
  }
}

std::optional<Connection> open_sentinel_master(const Endpoint& endpoint, const std::string& client_name, int wake_fd,
                                               std::optional<Clock::time_point> wait_limit, int& replicas) {
  check_sentinel_endpoint(endpoint);
  const auto connect_by = Clock::now() + endpoint.connect_timeout;
  const auto deadline = wait_limit ? std::min(connect_by, *wait_limit) : connect_by;
  std::string why;
  for (;;) {
    for (const HostPort& address : endpoint.sentinels) {
      try {
        Connection sentinel = open_sentinel(endpoint, address, client_name, deadline, wait_limit);
        const auto master_address = master_named_by(sentinel, endpoint.master_name, why);
        if (!master_address) {
          continue;
        }
        replicas = replicas_listed(sentinel, endpoint.master_name);
        Endpoint master = sentinel_endpoint(endpoint, *master_address, deadline);
        master.user = endpoint.user;
        master.password = endpoint.password;
        master.db = endpoint.db;
        Connection connection = Connection::open(master, client_name, wait_limit);
        if (is_master(connection, why)) {
          return connection;
        }
      } catch (const Error& error) {
        if (error.kind() != ErrorKind::unavailable) {
          throw;
        }
        why = error.what();
      }
      if (Clock::now() >= deadline) {
        break;
      }
    }
    if (Clock::now() >= deadline) {
      throw Error(ErrorKind::unavailable, fmt::format("no master for {}: {}", endpoint.where(), why));
    }
    if (!pause_until(std::min(Clock::now() + round_pause, deadline), wake_fd)) {
      return std::nullopt;
    }
  }
}

} // namespace statesync::detail
