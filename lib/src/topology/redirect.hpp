#pragma once
// A Redis Cluster's redirections, followed as redis-cli -c follows them:
// "MOVED <slot> <host>:<port>" says the slot has another owner for good,
// "ASK <slot> <host>:<port>" that this one key is being migrated there and
// that node answers for it once told ASKING.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace statesync::detail {

// Redirections followed for one command, by the link's routing and by
// follow_redirections() alike: a slot that keeps moving (a resharding
// going back and forth) is an error after this many, not a loop.
inline constexpr int max_redirections = 5;

// The redirection a MOVED or ASK reply names (its error_code says which:
// ASK for this command only, MOVED from now on); nullopt for any other
// reply.
std::optional<Redirection> redirection(const Reply& reply);

// Another node of the cluster `asked` belongs to: the same credentials,
// TLS settings and timeouts, its own host and port, db 0 (a cluster has no
// other). An empty host (a node that does not know its address) is the
// one asked.
Endpoint node_endpoint(const Endpoint& asked, std::string host, int port);

// Sends `args` to `node` (the one an ASK named) after ASKING, and returns
// its reply. On failure, `node` may owe replies: drop it.
Reply ask(Connection& node, std::span<const std::string_view> args);

// Sends `args` to the node an ASK names, after ASKING, and returns its
// reply. `kept` holds the connection to that node between calls, so that
// a stream of commands meeting ASK while a slot migrates connects once.
Reply ask(const Connection& asking, const HostPort& node, std::span<const std::string_view> args,
          std::optional<Connection>& kept);

// `reply` is what `connection` answered to `args`. While it is a
// redirection (a few hops at most), follows it: ASK as above; MOVED by
// replacing `connection` with a connection to the new owner (whose
// endpoint then says Topology::cluster: how a caller learns that it talks
// to a cluster) and sending the command again. Returns the last reply.
Reply follow_redirections(Connection& connection, std::span<const std::string_view> args, Reply reply);

} // namespace statesync::detail
