#pragma once
// The connection options all three tools take, spelled as redis-cli spells
// them, and how they combine with the URL and the environment.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

struct ConnectionArgs {
  std::optional<std::string> url;
  std::optional<std::string> host;
  std::optional<int> port;
  std::optional<std::string> socket;
  std::optional<std::string> password;
  std::optional<std::string> user;
  std::optional<int> db;
  bool tls = false;
  std::optional<std::string> ca_file;
  std::optional<std::string> ca_dir;
  std::optional<std::string> cert_file;
  std::optional<std::string> key_file;
  std::optional<std::string> sni;
  bool insecure = false;
  double connect_timeout = 5.0;
  double reply_timeout = 10.0;
  std::vector<std::string> sentinels; // HOST:PORT each
  std::optional<std::string> master;
  std::optional<std::string> sentinel_user;
  std::optional<std::string> sentinel_password;
  bool cluster = false;
  bool verbose = false;
  // Not an option: the tool's choice (see Endpoint).
  bool name_with_first_command = false;
};

// `socket_letter`: -s is --socket's (false in statesync-lock, where -s is
// --shared, as in flock(1); --socket keeps its long name).
void add_connection_options(CLI::App& app, ConnectionArgs& args, bool socket_letter = true);

// The endpoint the options, the URL and the environment name together.
// Throws Error(usage) for a URL that does not parse.
Endpoint resolve_endpoint(const ConnectionArgs& args);

// "statesync-pub:host:pid": what CLIENT LIST shows for this process.
std::string client_name(const char* tool);

// The name this host goes by in a fleet (lock history, metrics, replies):
// STATESYNC_HOSTNAME (containers, tests that play several hosts), else
// the system's host name.
std::string fleet_host_name();

// Resolves the endpoint and warns about --insecure: for a tool whose
// library object opens the connection itself (a Subscriber).
Endpoint checked_endpoint(const ConnectionArgs& args);

} // namespace statesync::tools
