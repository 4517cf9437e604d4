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

// TLS for rediss:// URLs (OpenSSL, loaded on first use).
struct STATESYNC_API TlsOptions {
  bool enabled = false;  // TLS on
  std::string ca_file;   // empty: the system store
  std::string ca_dir;    // a directory of CA certificates (c_rehash names)
  std::string cert_file; // client certificate for mutual TLS
  std::string key_file;  // the client certificate's private key
  std::string sni;       // empty: the host name
  bool insecure = false; // skip certificate and host-name verification
};

// How the servers are found: one server; the master a group of Sentinels
// names (asked again after a failover); or a Redis Cluster reached through
// the host and port as a seed node. A Link (link.hpp) asks the Sentinels
// and routes the cluster; Connection::open connects to one server only.
enum class Topology { standalone, sentinel, cluster };

// A server's address: a Sentinel's, or a cluster node's.
struct STATESYNC_API HostPort {
  std::string host; // a name or an address
  int port = 0;     // TCP port
};

// Where the servers are and how to talk to them: an address, credentials, TLS,
// timeouts and the topology. Plain data: parse_url() and
// endpoint_from_environment() fill one.
struct STATESYNC_API Endpoint {
  std::string host = "127.0.0.1";                  // the server (a cluster's seed node)
  int port = 6379;                                 // its TCP port
  std::string socket_path;                         // when set, a Unix socket instead of host and port
  int db = 0;                                      // SELECTed on connecting (0: none sent)
  std::optional<std::string> user;                 // AUTH user (ACL); nullopt: "default"
  std::optional<std::string> password;             // AUTH password; nullopt: no AUTH
  TlsOptions tls;                                  // rediss://
  std::chrono::milliseconds connect_timeout{5000}; // bounds each connection attempt
  std::chrono::milliseconds reply_timeout{10000};  // bounds each wait for a reply or a write
  // Sends the handshake's CLIENT SETNAME with the first command and reads
  // its reply then: a round trip less per connection. A server that wants
  // a password and got none then says so (NOAUTH) when the first reply is
  // read, not in Connection::open. AUTH and SELECT are always answered in
  // Connection::open.
  bool name_with_first_command = false;

  Topology topology = Topology::standalone; // how the servers are found
  // Sentinel only: whom to ask, for which master, with the Sentinels' own
  // credentials (user and password above are the data nodes').
  std::vector<HostPort> sentinels;
  std::string master_name;                      // the master's name the Sentinels know
  std::optional<std::string> sentinel_user;     // the Sentinels' AUTH user
  std::optional<std::string> sentinel_password; // the Sentinels' AUTH password

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
