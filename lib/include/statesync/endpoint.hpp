#pragma once
// Where and how to connect: parsed from a URL, then refined by options.
// Plain values: nothing here opens a connection or blocks, and an Endpoint
// may be copied to and read from any thread.

#include <statesync/export.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync {

struct STATESYNC_API TlsOptions {
  bool enabled = false;
  std::string ca_file; // empty: the system store
  std::string ca_dir;
  std::string cert_file; // client certificate for mutual TLS
  std::string key_file;
  std::string sni;       // empty: the host name
  bool insecure = false; // skip certificate and host-name verification
};

// How the servers are found: one server; the master a group of Sentinels
// names (asked again after a failover); or a Redis Cluster reached through
// the host and port as a seed node. A Link (link.hpp) asks the Sentinels
// and routes the cluster; Connection::open connects to one server only.
enum class Topology { standalone, sentinel, cluster };

struct STATESYNC_API HostPort {
  std::string host;
  int port = 0;
};

struct STATESYNC_API Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string socket_path; // when set, a Unix socket instead of host and port
  int db = 0;
  std::optional<std::string> user;
  std::optional<std::string> password;
  TlsOptions tls;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds reply_timeout{10000};
  // Sends the handshake's CLIENT SETNAME with the first command and reads
  // its reply then: a round trip less per connection. A server that wants
  // a password and got none then says so (NOAUTH) when the first reply is
  // read, not in Connection::open. AUTH and SELECT are always answered in
  // Connection::open.
  bool name_with_first_command = false;

  Topology topology = Topology::standalone;
  // Sentinel only: whom to ask, for which master, with the Sentinels' own
  // credentials (user and password above are the data nodes').
  std::vector<HostPort> sentinels;
  std::string master_name;
  std::optional<std::string> sentinel_user;
  std::optional<std::string> sentinel_password;

  // "host:port", "[::1]:port" or the socket path: for messages.
  std::string where() const;
};

// Parses redis://[user[:password]@]host[:port][/db], rediss:// (TLS),
// unix://[user[:password]@]/path/to/socket[?db=N] and
// redis+sentinel://[user[:password]@]host1[:port1],host2[:port2]/MASTER[/db]
// (rediss+sentinel:// with TLS; Sentinel's default port 26379; the
// credentials are the data nodes'). Throws Error(usage).
STATESYNC_API Endpoint parse_url(std::string_view url);

// Where the statesync tools connect when told no URL, for a program that
// wants to behave as they do: `url` when given, else $STATESYNC_URL, else
// $REDIS_URL, else redis://127.0.0.1:6379. A password the URL does not
// carry comes from $STATESYNC_AUTH, else $REDISCLI_AUTH; the Sentinels' own
// from $STATESYNC_SENTINEL_AUTH. An empty variable counts as unset. Throws
// Error(usage) for a URL that does not parse. Reads the environment, so it
// must not race with setenv() in another thread.
STATESYNC_API Endpoint endpoint_from_environment(std::optional<std::string_view> url = std::nullopt);

// "host:port" or "[v6]:port" (port 0 or absent: `default_port`). Throws
// Error(usage) naming `what`.
STATESYNC_API HostPort parse_host_port(std::string_view text, int default_port, std::string_view what);

// Percent-decoding as URLs use it. Throws Error(usage) on a bad escape.
STATESYNC_API std::string percent_decode(std::string_view text);

} // namespace statesync
