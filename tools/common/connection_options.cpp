#include "connection_options.hpp"

#include "cli_docs.hpp"
#include "duration.hpp"
#include "duration_text.hpp"
#include "option_checks.hpp"
#include "tool_main.hpp"

#include <statesync/error.hpp>

#include <cstdlib>
#include <unistd.h>

namespace statesync::tools {
namespace {

// --sentinel, --master, their credentials, and --cluster, over the URL's.
void resolve_topology(const ConnectionArgs& args, Endpoint& endpoint) {
  if (!args.sentinels.empty()) {
    if (args.host || args.port || args.socket) {
      throw Error(ErrorKind::usage, "--sentinel finds the master: it does not go with --host, --port or --socket");
    }
    endpoint.topology = Topology::sentinel;
    endpoint.sentinels.clear();
    for (const auto& address : args.sentinels) {
      endpoint.sentinels.push_back(parse_host_port(address, 26379, "--sentinel address"));
    }
  }
  if (args.master) {
    endpoint.master_name = *args.master;
  }
  const bool sentinel = endpoint.topology == Topology::sentinel;
  if (!sentinel && (args.master || args.sentinel_user || args.sentinel_password)) {
    throw Error(ErrorKind::usage, "--master, --sentinel-user and --sentinel-pass need --sentinel");
  }
  if (sentinel && endpoint.master_name.empty()) {
    throw Error(ErrorKind::usage, "--sentinel needs --master NAME");
  }
  if (sentinel) {
    endpoint.sentinel_user = args.sentinel_user;
    if (args.sentinel_password) {
      endpoint.sentinel_password = args.sentinel_password;
    }
  }
  if (args.cluster) {
    if (sentinel) {
      throw Error(ErrorKind::usage, "--cluster and --sentinel do not go together");
    }
    if (!endpoint.socket_path.empty()) {
      throw Error(ErrorKind::usage, "--cluster needs a host and port, not a Unix socket");
    }
    endpoint.topology = Topology::cluster;
  }
}

} // namespace

void add_connection_options(CLI::App& app, ConnectionArgs& args, bool socket_letter) {
  const std::string group(connection_group);
  app.add_option("-u,--url", args.url,
                 "Server URL: redis://[user[:pass]@]host[:port][/db], rediss:// (TLS), unix:///path[?db=N]")
      ->option_text("URL")
      ->group(group);
  app.add_option("-h,--host", args.host, "Server host name or address (overrides the URL's)")
      ->option_text("HOST")
      ->group(group);
  app.add_option("-p,--port", args.port, "Server port (overrides the URL's)")
      ->option_text("PORT")
      ->check(whole_number_in(1, 65535))
      ->group(group);
  app.add_option(socket_letter ? "-s,--socket" : "--socket", args.socket, "Unix socket path (instead of host and port)")
      ->option_text("PATH")
      ->group(group);
  app.add_option("-a,--pass", args.password, "Password (prefer STATESYNC_AUTH: argv is public)")
      ->option_text("PASSWORD")
      ->group(group);
  app.add_option("--user", args.user, "ACL user name")->option_text("USER")->group(group);
  app.add_option("--db", args.db, "Database number")
      ->option_text("N")
      ->check(whole_number_in(0, 1 << 20))
      ->group(group);
  app.add_flag("--tls", args.tls, "Connect with TLS")->group(group);
  app.add_option("--cacert", args.ca_file, "CA certificate file to verify the server")
      ->option_text("FILE")
      ->group(group);
  app.add_option("--cacertdir", args.ca_dir, "Directory of CA certificates to verify the server")
      ->option_text("DIR")
      ->group(group);
  app.add_option("--cert", args.cert_file, "Client certificate for mutual TLS")->option_text("FILE")->group(group);
  app.add_option("--key", args.key_file, "Private key of the client certificate")->option_text("FILE")->group(group);
  app.add_option("--sni", args.sni, "Server name to send and verify (default: the host)")
      ->option_text("NAME")
      ->group(group);
  app.add_flag("--insecure", args.insecure, "Do not verify the server's certificate (warns)")->group(group);
  app.add_option("--connect-timeout", args.connect_timeout, "Connect timeout (default 5s)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(group);
  app.add_option("--timeout", args.reply_timeout, "Reply timeout (default 10s; not message/lock waits)")
      ->option_text("DURATION")
      ->transform(duration_option(std::chrono::milliseconds(1)))
      ->group(group);
  app.add_option("--sentinel", args.sentinels,
                 "Ask this Sentinel for the master (repeatable)")
      ->option_text("HOST:PORT")
      ->allow_extra_args(false) // one address per --sentinel: what follows is the tool's
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(group);
  app.add_option("--master", args.master, "Name of the master the Sentinels watch")->option_text("NAME")->group(group);
  app.add_option("--sentinel-user", args.sentinel_user, "ACL user name for the Sentinels")
      ->option_text("USER")
      ->group(group);
  app.add_option("--sentinel-pass", args.sentinel_password, "Sentinels' password (or STATESYNC_SENTINEL_AUTH)")
      ->option_text("PASSWORD")
      ->group(group);
  app.add_flag("--cluster", args.cluster, "The server is a Redis Cluster node: route by slot")->group(group);
  app.add_flag("-v,--verbose", args.verbose, "Say more on standard error")->group(group);
}

Endpoint resolve_endpoint(const ConnectionArgs& args) {
  Endpoint endpoint = endpoint_from_environment(args.url ? std::optional<std::string_view>(*args.url) : std::nullopt);
  if (args.host) {
    endpoint.host = *args.host;
    endpoint.socket_path.clear();
  }
  if (args.port) {
    endpoint.port = *args.port;
    endpoint.socket_path.clear();
  }
  if (args.socket) {
    endpoint.socket_path = *args.socket;
  }
  if (args.db) {
    endpoint.db = *args.db;
  }
  if (args.user) {
    endpoint.user = args.user;
  }
  if (args.password) {
    endpoint.password = args.password;
  }
  TlsOptions& tls = endpoint.tls;
  tls.enabled = tls.enabled || args.tls;
  tls.ca_file = args.ca_file.value_or("");
  tls.ca_dir = args.ca_dir.value_or("");
  tls.cert_file = args.cert_file.value_or("");
  tls.key_file = args.key_file.value_or("");
  tls.sni = args.sni.value_or("");
  tls.insecure = args.insecure;
  const bool tls_detail = args.ca_file || args.ca_dir || args.cert_file || args.key_file || args.sni || args.insecure;
  if (tls_detail && !tls.enabled) {
    throw Error(ErrorKind::usage, "TLS options need --tls or a rediss:// URL");
  }
  endpoint.connect_timeout = to_milliseconds(args.connect_timeout);
  endpoint.reply_timeout = to_milliseconds(args.reply_timeout);
  endpoint.name_with_first_command = args.name_with_first_command;
  resolve_topology(args, endpoint);
  return endpoint;
}

namespace {

std::string system_host_name() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) {
    host[0] = '\0';
  }
  return host;
}

} // namespace

std::string fleet_host_name() {
  if (const char* given = std::getenv("STATESYNC_HOSTNAME"); given != nullptr && *given != '\0') {
    return given;
  }
  return system_host_name();
}

std::string client_name(const char* tool) {
  const std::string host = system_host_name();
  // CLIENT SETNAME refuses spaces and control characters.
  std::string name = std::string(tool) + ":" + host + ":" + std::to_string(::getpid());
  for (char& c : name) {
    if (c <= ' ' || c > '~') {
      c = '_';
    }
  }
  return name;
}

Endpoint checked_endpoint(const ConnectionArgs& args) {
  Endpoint endpoint = resolve_endpoint(args);
  if (endpoint.tls.insecure) {
    report("warning: --insecure: the server's certificate is not verified");
  }
  report_verbose("connecting to " + endpoint.where());
  return endpoint;
}

} // namespace statesync::tools
