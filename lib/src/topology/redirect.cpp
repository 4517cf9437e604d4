#include "topology/redirect.hpp"

#include "protocol/script.hpp"
#include "protocol/server_error.hpp"

#include <statesync/error.hpp>

namespace statesync::detail {

std::optional<Redirection> redirection(const Reply& reply) {
  return parse_redirection(reply.error_code, reply.str);
}

Endpoint node_endpoint(const Endpoint& asked, std::string host, int port) {
  Endpoint node = asked;
  node.topology = Topology::standalone;
  node.socket_path.clear();
  node.db = 0;
  if (!host.empty() && host != "?") {
    node.host = std::move(host);
  }
  node.port = port;
  return node;
}

Reply ask(Connection& node, std::span<const std::string_view> args) {
  node.append({"ASKING"});
  node.append(args);
  node.flush();
  expect_ok(node.read_reply(), "ASKING");
  return node.read_reply();
}

Reply ask(const Connection& asking, const HostPort& node, std::span<const std::string_view> args,
          std::optional<Connection>& kept) {
  const Endpoint target = node_endpoint(asking.endpoint(), node.host, node.port);
  if (!kept || kept->where() != target.where()) {
    kept.reset();
    kept = asking.open_sibling(target);
  }
  try {
    return ask(*kept, args);
  } catch (const Error&) {
    kept.reset(); // replies may be left unread on it
    throw;
  }
}

Reply follow_redirections(Connection& connection, std::span<const std::string_view> args, Reply reply) {
  std::optional<Connection> asked;
  for (int hop = 0; hop < max_redirections; ++hop) {
    const auto to = redirection(reply);
    if (!to) {
      return reply;
    }
    if (reply.error_code == ServerError::ask) {
      reply = ask(connection, to->node, args, asked);
      continue;
    }
    Endpoint owner = node_endpoint(connection.endpoint(), to->node.host, to->node.port);
    owner.topology = Topology::cluster;
    connection = connection.open_sibling(owner);
    reply = connection.command(args);
  }
  return reply;
}

} // namespace statesync::detail
