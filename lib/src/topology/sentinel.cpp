// Sentinel discovery: SENTINEL get-master-addr-by-name, then ROLE.

#include "topology/sentinel.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <thread>

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

// The master's address from one Sentinel; nullopt with `why` set when it
// has none.
std::optional<HostPort> ask(Connection& sentinel, const std::string& master, std::string& why) {
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

// A Sentinel's refusal says it is the Sentinel's: its credentials are not
// the data nodes'.
Connection open_sentinel(const Endpoint& sentinel, const std::string& client_name) {
  try {
    return Connection::open(sentinel, client_name);
  } catch (const Error& error) {
    if (error.kind() == ErrorKind::unavailable) {
      throw;
    }
    throw Error(error, fmt::format("Sentinel {}", error.what()));
  }
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

Connection open_sentinel_master(const Endpoint& endpoint, const std::string& client_name) {
  if (endpoint.master_name.empty()) {
    throw Error(ErrorKind::usage, "Sentinel needs a master name (--master NAME)");
  }
  if (endpoint.sentinels.empty()) {
    throw Error(ErrorKind::usage, "Sentinel needs at least one address (--sentinel HOST:PORT)");
  }
  const auto deadline = Clock::now() + endpoint.connect_timeout;
  std::string why;
  for (;;) {
    for (const HostPort& address : endpoint.sentinels) {
      try {
        Connection sentinel = open_sentinel(sentinel_endpoint(endpoint, address, deadline), client_name);
        const auto master_address = ask(sentinel, endpoint.master_name, why);
        if (!master_address) {
          continue;
        }
        Endpoint master = sentinel_endpoint(endpoint, *master_address, deadline);
        master.user = endpoint.user;
        master.password = endpoint.password;
        master.db = endpoint.db;
        Connection connection = Connection::open(master, client_name);
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
    std::this_thread::sleep_for(round_pause);
  }
}

} // namespace statesync::detail
