// The link: topology (one server, Sentinel, Cluster), its connections,
// and getting them back after a loss or a failover.

#include "connection/first_connection.hpp"
#include "connection/reconnect_backoff.hpp"
#include "protocol/script.hpp"
#include "topology/redirect.hpp"
#include "topology/sentinel.hpp"
#include "topology/sentinel_watch.hpp"
#include "topology/slot_map.hpp"
#include "util/deadline.hpp"

#include "topology/failover.hpp"
#include <statesync/cluster.hpp>
#include <statesync/link.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <random>

namespace statesync {
namespace {

// While a failed master's replica takes over, the slot map still names the
// failed one for a moment: routing looks again after this pause, until the
// connect timeout has passed.
constexpr std::chrono::milliseconds routing_retry{100};
// A wait of the link ended by the wake fd: caught where the public calls
// say what that means (false, or Error(unavailable)).
struct Woken {};

Endpoint single_server(const Endpoint& endpoint) {
  Endpoint plain = endpoint;
  plain.topology = Topology::standalone;
  return plain;
}

} // namespace

struct Link::Impl {
  LinkOptions options;
  int wake_fd = -1;
  std::optional<Clock::time_point> wait_limit; // Link::set_wait_limit
  // One server, or the master the Sentinels named. Held by pointer, as
  // the nodes are: callers keep references across a change of topology.
  std::unique_ptr<Connection> single;
  // A cluster: the slot map (nullopt: to be read again), the nodes last
  // seen (to ask when the seed is down), a connection per node used.
  std::optional<detail::SlotMap> map;
  std::vector<Endpoint> known_nodes;
  std::vector<std::unique_ptr<Connection>> nodes;
  std::array<Connection*, cluster_slots> node_of_slot{}; // as the map says; nullptr: to be looked up
  std::optional<Connection> asked;                       // the node an ASK names, while a slot migrates
  std::optional<detail::SentinelWatch> watch;            // check_failover(), once called
  int sentinel_replicas = 0;                             // Link::deployment_replicas

  detail::Backoff backoff;
  std::uint64_t generation = 0;
  bool ever_connected = false; // a give-up before it is "not reachable", after it "not back"
  int failovers = 0;
  std::optional<Clock::time_point> lost_at;
  Clock::time_point next_attempt{};
  std::string last_error;
  std::vector<std::function<void()>> callbacks;

  explicit Impl(LinkOptions o)
      : options(std::move(o)),
        backoff(options.reconnect.first_delay, options.reconnect.max_delay, std::random_device{}()) {}

  bool cluster() const { return options.endpoint.topology == Topology::cluster; }

  void pause(Clock::time_point until) const {
    if (!detail::pause_until(until, wake_fd)) {
      throw Woken{};
    }
  }

  Connection open_server(const Endpoint& endpoint) const {
    Connection connection = Connection::open(single_server(endpoint), options.client_name, wait_limit);
    connection.set_wake_fd(wake_fd);
    return connection;
  }

  Connection open_single() {
    if (options.endpoint.topology != Topology::sentinel) {
      Connection connection = open_server(options.endpoint);
      ever_connected = true;
      return connection;
    }
    auto master =
        detail::open_sentinel_master(options.endpoint, options.client_name, wake_fd, wait_limit, sentinel_replicas);
    if (!master) {
      throw Woken{};
    }
    master->set_wake_fd(wake_fd);
    ever_connected = true;
    return std::move(*master);
  }

  void read_map_if_needed() {
    if (map) {
      return;
    }
    // The seed first, then the nodes last seen, in case the seed is down.
    std::vector<Endpoint> seeds{single_server(options.endpoint)};
    seeds.insert(seeds.end(), known_nodes.begin(), known_nodes.end());
    map = detail::read_slot_map(seeds, options.client_name);
    known_nodes = map->nodes();
  }

  Connection& node(const Endpoint& endpoint) {
    for (const auto& held : nodes) {
      if (held->where() == endpoint.where()) {
        return *held;
      }
    }
    try {
      nodes.push_back(std::make_unique<Connection>(open_server(endpoint)));
      ever_connected = true;
    } catch (const Error&) {
      forget_map(); // the owner may have failed over
      throw;
    }
    return *nodes.back();
  }

  // The owner of `key`'s slot, looked for again while a failover leaves
  // the map naming a node that is gone, until the connect timeout.
  Connection& route(std::string_view key) {
    const int slot = key_slot(key);
    if (Connection* known = node_of_slot[static_cast<std::size_t>(slot)]) {
      return *known;
    }
    const auto deadline = Clock::now() + options.endpoint.connect_timeout;
    for (;;) {
      try {
        read_map_if_needed();
        if (key.empty() && !nodes.empty()) {
          return *nodes.front();
        }
        Connection& owner = node(map->nodes()[detail::owner_or_throw(*map, slot, options.endpoint)]);
        node_of_slot[static_cast<std::size_t>(slot)] = &owner;
        return owner;
      } catch (const Error& error) {
        if (error.kind() != ErrorKind::unavailable || Clock::now() >= deadline) {
          throw;
        }
        forget_map();
      }
      pause(Clock::now() + routing_retry);
    }
  }

  Connection& connection(std::string_view key) {
    if (cluster()) {
      return route(key);
    }
    if (!single) {
      single = std::make_unique<Connection>(open_single());
    }
    return *single;
  }

  // A MOVED from a server named as a single one: it is a cluster node, and
  // the link routes by slot from now on.
  Connection& moved_to(const HostPort& owner, const Endpoint& asked_node) {
    if (!cluster()) {
      options.endpoint.topology = Topology::cluster;
      if (single) {
        nodes.push_back(std::move(single));
      }
    }
    forget_map();
    return node(detail::node_endpoint(asked_node, owner.host, owner.port));
  }

  Reply command(std::span<const std::string_view> args, std::string_view key) {
    Connection* at = &connection(key);
    Reply reply = command_on(*at, args);
    for (int hop = 0; hop < detail::max_redirections; ++hop) {
      const auto to = detail::redirection(reply);
      if (!to) {
        return reply;
      }
      if (reply.error_code == ServerError::ask) {
        reply = ask(*at, to->node, args);
        continue;
      }
      at = &moved_to(to->node, at->endpoint());
      reply = command_on(*at, args);
    }
    return reply;
  }

  // A connection whose command failed (lost, no reply in time, a reply that
  // cannot be read) may still owe that reply: it is never used again, and
  // the next call connects afresh, whether or not the caller recovers.
  Reply command_on(Connection& at, std::span<const std::string_view> args) {
    try {
      return at.command(args);
    } catch (const Error&) {
      forget(at);
      throw;
    }
  }

  void forget(const Connection& failed) noexcept {
    if (single.get() == &failed) {
      single.reset();
    }
    std::replace_if(
        node_of_slot.begin(), node_of_slot.end(), [&failed](const Connection* c) { return c == &failed; }, nullptr);
    std::erase_if(nodes, [&failed](const auto& node) { return node.get() == &failed; });
  }

  Reply ask(const Connection& asking, const HostPort& to, std::span<const std::string_view> args) {
    const Endpoint target = detail::node_endpoint(asking.endpoint(), to.host, to.port);
    if (!asked || asked->where() != target.where()) {
      asked.reset();
      asked = open_server(target);
    }
    try {
      return detail::ask(*asked, args);
    } catch (const Error&) {
      asked.reset(); // it may still owe replies: the next ASK would read them as its own
      throw;
    }
  }

  void forget_map() noexcept {
    map.reset();
    node_of_slot.fill(nullptr);
  }

  void drop() noexcept {
    single.reset();
    nodes.clear();
    asked.reset();
    forget_map();
  }

  // Connects again as the topology says; for a cluster, to every master
  // of the map, so that a node still failing over is waited for here.
  void open_all() {
    if (!cluster()) {
      single = std::make_unique<Connection>(open_single());
      return;
    }
    read_map_if_needed();
    for (const Endpoint& master : map->nodes()) {
      node(master);
    }
  }

  bool recover(const Error& error, std::optional<Clock::time_point> until,
               std::optional<Clock::time_point> caller_give_up = std::nullopt) {
    if (is_cluster_redirection(error)) {
      // A server named as a single one is a cluster node: routed by slot
      // from now on.
      options.endpoint.topology = Topology::cluster;
    }
    const bool failover_to_follow = options.endpoint.topology != Topology::standalone;
    if (!suggests_failover(error) || (!options.reconnect.enabled && !failover_to_follow)) {
      throw error;
    }
    if (!lost_at) {
      if (++failovers > options.max_failovers) {
        throw error;
      }
      lost_at = Clock::now();
      last_error = error.what();
      backoff.reset();
      next_attempt = *lost_at;
      drop();
    }
    return reconnect(error, until, caller_give_up);
  }

  std::optional<Clock::time_point> give_up_time() const {
    if (options.reconnect.give_up_after) {
      return *lost_at + *options.reconnect.give_up_after;
    }
    if (!options.reconnect.enabled) {
      // Only a failover to follow: as long as connecting may take.
      return *lost_at + options.endpoint.connect_timeout;
    }
    return std::nullopt;
  }

  // `until`: false when it passes (the caller comes back later); a
  // caller's `give_up`, earlier than the policy's: `first` is thrown then.
  bool reconnect(const Error& first, std::optional<Clock::time_point> until = std::nullopt,
                 std::optional<Clock::time_point> caller_give_up = std::nullopt) {
    auto give_up = give_up_time();
    const bool callers = caller_give_up && (!give_up || *caller_give_up < *give_up);
    if (callers) {
      give_up = caller_give_up;
    }
    for (;;) {
      if (give_up && Clock::now() >= *give_up) {
        lost_at.reset();
        if (callers || !options.reconnect.give_up_after) {
          throw first;
        }
        throw Error(ErrorKind::unavailable,
                    fmt::format("{}; {} within {}", last_error, ever_connected ? "not back" : "not reachable",
                                detail::seconds_text(*options.reconnect.give_up_after)));
      }
      try {
        pause(std::min(
            {next_attempt, give_up.value_or(Clock::time_point::max()), until.value_or(Clock::time_point::max())}));
        if (Clock::now() < next_attempt) {
          if (until && Clock::now() >= *until) {
            return false;
          }
          continue;
        }
        open_all();
        ++generation;
        // Being back includes the callers' state restored (subscriptions,
        // say): a callback that fails as a lost connection or a failover
        // does (a slot map not yet updated) is one more failed attempt.
        for (const auto& callback : callbacks) {
          callback();
        }
      } catch (const Woken&) {
        return false;
      } catch (const Error& error) {
        if (error.kind() != ErrorKind::unavailable && !suggests_failover(error)) {
          lost_at.reset();
          throw;
        }
        drop();
        last_error = error.what();
        next_attempt = Clock::now() + backoff.next();
        continue;
      }
      lost_at.reset();
      return true;
    }
  }

  // The first connection: retried as a lost one is when the policy has a
  // give-up time, else its failure is the answer at once.
  bool connect() {
    try {
      open_all();
      return true;
    } catch (const Woken&) {
      return false;
    } catch (const Error& error) {
      if (!detail::first_connection_waits(options.reconnect, error)) {
        throw;
      }
      lost_at = Clock::now();
      last_error = error.what();
      backoff.reset();
      next_attempt = *lost_at + backoff.next();
      drop();
      if (!reconnect(error)) {
        return false;
      }
      --generation; // the first connection, not a reconnection
      return true;
    }
  }

  std::string where() const {
    if (single) {
      return single->where();
    }
    std::string result;
    for (const auto& held : nodes) {
      result += (result.empty() ? "" : ", ") + held->where();
    }
    return result.empty() ? options.endpoint.where() : result;
  }
};

Link::Link(LinkOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  const Endpoint& endpoint = impl_->options.endpoint;
  if (endpoint.tls.enabled && !endpoint.socket_path.empty()) {
    throw Error(ErrorKind::usage, "TLS is for TCP connections, not a Unix socket");
  }
  detail::check_sentinel_endpoint(endpoint);
}

Link::Link(const Endpoint& endpoint, std::string client_name)
    : Link(LinkOptions{endpoint, std::move(client_name), {}, LinkOptions{}.max_failovers}) {}

Link::Link(Link&&) noexcept = default;
Link& Link::operator=(Link&&) noexcept = default;
Link::~Link() = default;

const LinkOptions& Link::options() const noexcept {
  return impl_->options;
}

const Endpoint& Link::endpoint() const noexcept {
  return impl_->options.endpoint;
}

Topology Link::topology() const noexcept {
  return impl_->options.endpoint.topology;
}

std::string Link::where() const {
  return impl_->where();
}

bool Link::connect() {
  return impl_->connect();
}

namespace {

// A wait ended by the wake fd where the caller cannot be told by a value.
[[noreturn]] void woken_while_connecting(const Link& link) {
  throw Error(ErrorKind::unavailable, fmt::format("connecting to {} was interrupted", link.endpoint().where()));
}

} // namespace

Connection& Link::connection(std::string_view key) {
  try {
    return impl_->connection(key);
  } catch (const Woken&) {
    woken_while_connecting(*this);
  }
}

Reply Link::command(std::span<const std::string_view> args, std::string_view key) {
  try {
    return impl_->command(args, key);
  } catch (const Woken&) {
    woken_while_connecting(*this);
  }
}

Reply Link::command(std::initializer_list<std::string_view> args, std::string_view key) {
  return command(std::span(args.begin(), args.size()), key);
}

Reply Link::ask(const Reply& ask, const Connection& asking, std::span<const std::string_view> args) {
  const auto to = detail::redirection(ask);
  if (!to || ask.error_code != ServerError::ask) {
    throw Error(ErrorKind::usage, fmt::format("not an ASK redirection: {}", ask.describe()));
  }
  return impl_->ask(asking, to->node, args);
}

std::optional<Reply> Link::read_reply_until(std::optional<Clock::time_point> deadline, std::string_view key) {
  return connection(key).read_reply_until(deadline);
}

bool Link::recover(const Error& error) {
  return impl_->recover(error, std::nullopt);
}

bool Link::recover(const Error& error, std::optional<Clock::time_point> until) {
  return impl_->recover(error, until);
}

bool Link::recover_before(const Error& error, Clock::time_point give_up) {
  return impl_->recover(error, std::nullopt, give_up);
}

int Link::deployment_replicas() const noexcept {
  return topology() == Topology::sentinel ? impl_->sentinel_replicas : 0;
}

void Link::check_failover() {
  if (topology() != Topology::sentinel || !impl_->single) {
    return;
  }
  if (!impl_->watch) {
    impl_->watch.emplace(impl_->options.endpoint, impl_->options.client_name);
  }
  const Endpoint& connected = impl_->single->endpoint();
  if (const auto named = impl_->watch->moved_from(connected)) {
    throw Error(ErrorKind::unavailable, fmt::format("the Sentinels name {}:{} as master '{}', not {}", named->host,
                                                    named->port, endpoint().master_name, connected.where()));
  }
}

void Link::progress() noexcept {
  impl_->failovers = 0;
}

std::uint64_t Link::generation() const noexcept {
  return impl_->generation;
}

void Link::on_reconnect(std::function<void()> callback) {
  impl_->callbacks.push_back(std::move(callback));
}

PushConnection Link::open_push(std::string_view key) {
  const Endpoint& at = connection(key).endpoint();
  PushConnection push{impl_->open_server(at), 0};
  const Reply id = expect_ok(push.connection.command({"CLIENT", "ID"}), fmt::format("CLIENT ID at {}", at.where()));
  if (id.type != Reply::Type::integer) {
    throw Error(ErrorKind::protocol,
                fmt::format("unexpected reply to CLIENT ID from {}: {}", at.where(), id.describe()));
  }
  push.client_id = id.integer;
  return push;
}

void Link::set_wake_fd(int fd) noexcept {
  impl_->wake_fd = fd;
  if (impl_->single) {
    impl_->single->set_wake_fd(fd);
  }
  for (const auto& node : impl_->nodes) {
    node->set_wake_fd(fd);
  }
}

int Link::wake_fd() const noexcept {
  return impl_->wake_fd;
}

bool Link::pause_until(Clock::time_point until) const {
  try {
    impl_->pause(until);
    return true;
  } catch (const Woken&) {
    return false;
  }
}

void Link::set_wait_limit(std::optional<Clock::time_point> until) noexcept {
  impl_->wait_limit = until;
  if (impl_->single) {
    impl_->single->set_wait_limit(until);
  }
  for (const auto& node : impl_->nodes) {
    node->set_wait_limit(until);
  }
  if (impl_->asked) {
    impl_->asked->set_wait_limit(until);
  }
}

void Link::reset() noexcept {
  impl_->drop();
}

} // namespace statesync
