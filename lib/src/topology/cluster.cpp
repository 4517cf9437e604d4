// The slot map (CLUSTER SLOTS), redirections, and connecting to a key's owner.

#include "topology/redirect.hpp"
#include "topology/sentinel.hpp"
#include "topology/slot_map.hpp"

#include <statesync/cluster.hpp>
#include <statesync/error.hpp>

#include <fmt/format.h>

namespace statesync {
namespace detail {
namespace {

Error not_a_slot_table(const Connection& connection, const Reply& reply) {
  return Error(ErrorKind::protocol,
               fmt::format("unexpected reply to CLUSTER SLOTS from {}: {}", connection.where(), reply.describe()));
}

// The seed, and how the tools reach a node: one server, no topology.
Endpoint plain(const Endpoint& endpoint) {
  Endpoint copy = endpoint;
  copy.topology = Topology::standalone;
  return copy;
}

} // namespace

SlotMap SlotMap::read(Connection& connection) {
  const Reply reply = connection.command({"CLUSTER", "SLOTS"});
  if (reply.is_error()) {
    throw Error(reply, fmt::format("{} is not a cluster node", connection.where()));
  }
  if (reply.type != Reply::Type::array) {
    throw not_a_slot_table(connection, reply);
  }
  SlotMap map;
  map.owner_.fill(-1);
  for (const Reply& range : reply.elements) {
    if (range.type != Reply::Type::array || range.elements.size() < 3 ||
        range.elements[0].type != Reply::Type::integer || range.elements[1].type != Reply::Type::integer ||
        range.elements[2].type != Reply::Type::array || range.elements[2].elements.size() < 2 ||
        range.elements[2].elements[1].type != Reply::Type::integer) {
      throw not_a_slot_table(connection, reply);
    }
    const long long first = range.elements[0].integer;
    const long long last = range.elements[1].integer;
    if (first < 0 || last >= cluster_slots || first > last) {
      throw not_a_slot_table(connection, reply);
    }
    const Reply& master = range.elements[2];
    Endpoint node =
        node_endpoint(connection.endpoint(), master.elements[0].str, static_cast<int>(master.elements[1].integer));
    std::size_t index = 0;
    while (index < map.nodes_.size() && map.nodes_[index].where() != node.where()) {
      ++index;
    }
    if (index == map.nodes_.size()) {
      map.nodes_.push_back(std::move(node));
    }
    for (long long slot = first; slot <= last; ++slot) {
      map.owner_[static_cast<std::size_t>(slot)] = static_cast<std::int16_t>(index);
    }
  }
  return map;
}

std::size_t owner_or_throw(const SlotMap& map, int slot, const Endpoint& seed) {
  const auto owner = map.owner(slot);
  if (!owner) {
    throw Error(ErrorKind::unavailable, fmt::format("no node of cluster {} serves slot {}", seed.where(), slot));
  }
  return *owner;
}

std::optional<std::size_t> SlotMap::owner(int slot) const {
  const auto index = owner_.at(static_cast<std::size_t>(slot));
  if (index < 0) {
    return std::nullopt;
  }
  return static_cast<std::size_t>(index);
}

SlotMap read_slot_map(const std::vector<Endpoint>& seeds, const std::string& client_name) {
  std::optional<Error> last;
  for (const Endpoint& seed : seeds) {
    try {
      Connection connection = Connection::open(plain(seed), client_name);
      return SlotMap::read(connection);
    } catch (const Error& error) {
      if (error.kind() != ErrorKind::unavailable) {
        throw;
      }
      last = error;
    }
  }
  throw last.value_or(Error(ErrorKind::usage, "no cluster node to ask"));
}

} // namespace detail

} // namespace statesync
