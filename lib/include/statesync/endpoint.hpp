#pragma once
// Where and how to connect: parsed from a URL, then refined by options.

#include <statesync/export.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

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

  // "host:port", "[::1]:port" or the socket path: for messages.
  std::string where() const;
};

// Parses redis://[user[:password]@]host[:port][/db], rediss:// (TLS) and
// unix://[user[:password]@]/path/to/socket[?db=N]. Throws Error(usage).
STATESYNC_API Endpoint parse_url(std::string_view url);

// Percent-decoding as URLs use it. Throws Error(usage) on a bad escape.
STATESYNC_API std::string percent_decode(std::string_view text);

} // namespace statesync
