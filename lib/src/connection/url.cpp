// Parsing of redis://, rediss:// and unix:// URLs into an Endpoint.

#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <fmt/format.h>

#include <charconv>

namespace statesync {
namespace {

[[noreturn]] void bad_url(std::string_view url, std::string_view why) {
  // The URL may hold a password: never echo it back whole.
  const auto at = url.rfind('@');
  std::string shown = at == std::string_view::npos
                          ? std::string(url)
                          : fmt::format("{}://***@{}", url.substr(0, url.find(':')), url.substr(at + 1));
  throw Error(ErrorKind::usage, fmt::format("invalid URL '{}': {}", shown, why));
}

int parse_number(std::string_view url, std::string_view text, int low, int high, std::string_view what) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end || value < low || value > high) {
    bad_url(url, fmt::format("{} must be a number from {} to {}", what, low, high));
  }
  return value;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

// Splits "user:password@rest" off the authority part.
void take_userinfo(std::string_view& authority, Endpoint& endpoint) {
  const auto at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return;
  }
  const std::string_view userinfo = authority.substr(0, at);
  authority.remove_prefix(at + 1);
  const auto colon = userinfo.find(':');
  const std::string user = percent_decode(userinfo.substr(0, colon));
  if (!user.empty()) {
    endpoint.user = user;
  }
  if (colon != std::string_view::npos) {
    endpoint.password = percent_decode(userinfo.substr(colon + 1));
  } else if (!user.empty()) {
    // "redis://secret@host" is how redis-cli reads a lone password.
    endpoint.password = endpoint.user;
    endpoint.user.reset();
  }
}

void take_query(std::string_view url, std::string_view query, Endpoint& endpoint) {
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const auto eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    if (key == "db") {
      endpoint.db = parse_number(url, value, 0, 1 << 20, "db");
    } else {
      bad_url(url, fmt::format("unknown parameter '{}'", key));
    }
  }
}

void take_host_port(std::string_view url, std::string_view hostport, Endpoint& endpoint) {
  std::string_view port_text;
  if (hostport.starts_with('[')) {
    const auto close = hostport.find(']');
    if (close == std::string_view::npos) {
      bad_url(url, "missing ']' after IPv6 address");
    }
    endpoint.host = std::string(hostport.substr(1, close - 1));
    const std::string_view rest = hostport.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') {
        bad_url(url, "unexpected text after IPv6 address");
      }
      port_text = rest.substr(1);
      if (port_text.empty()) {
        bad_url(url, "empty port");
      }
    }
  } else {
    const auto colon = hostport.find(':');
    if (colon != std::string_view::npos) {
      port_text = hostport.substr(colon + 1);
      hostport = hostport.substr(0, colon);
      if (port_text.empty()) {
        bad_url(url, "empty port");
      }
    }
    if (!hostport.empty()) {
      endpoint.host = percent_decode(hostport);
    }
  }
  if (endpoint.host.empty()) {
    bad_url(url, "empty host");
  }
  if (!port_text.empty()) {
    endpoint.port = parse_number(url, port_text, 1, 65535, "port");
  }
}

// redis+sentinel://[userinfo@]host1[:port1],host2[:port2]/MASTER[/db]
void take_sentinel(std::string_view url, std::string_view rest, Endpoint& endpoint) {
  endpoint.topology = Topology::sentinel;
  const auto slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  take_userinfo(authority, endpoint);
  for (bool more = true; more;) {
    const auto comma = authority.find(',');
    const std::string_view address = authority.substr(0, comma);
    if (address.empty()) {
      bad_url(url, "empty Sentinel address");
    }
    Endpoint sentinel;
    sentinel.port = 26379;
    take_host_port(url, address, sentinel);
    endpoint.sentinels.push_back({sentinel.host, sentinel.port});
    more = comma != std::string_view::npos;
    authority = more ? authority.substr(comma + 1) : std::string_view();
  }
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  const auto db_slash = path.find('/');
  endpoint.master_name = percent_decode(path.substr(0, db_slash));
  if (endpoint.master_name.empty()) {
    bad_url(url, "no master name: redis+sentinel://host:port/MASTER");
  }
  if (db_slash != std::string_view::npos && db_slash + 1 < path.size()) {
    endpoint.db = parse_number(url, path.substr(db_slash + 1), 0, 1 << 20, "db");
  }
}

} // namespace

HostPort parse_host_port(std::string_view text, int default_port, std::string_view what) {
  Endpoint parsed;
  parsed.port = default_port;
  try {
    take_host_port(text, text, parsed);
  } catch (const Error&) {
    throw Error(ErrorKind::usage, fmt::format("invalid {} '{}': expected HOST:PORT", what, text));
  }
  return {parsed.host, parsed.port};
}

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      throw Error(ErrorKind::usage, "invalid percent escape in URL");
    }
    const int high = hex_value(text[i + 1]);
    const int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) {
      throw Error(ErrorKind::usage, "invalid percent escape in URL");
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

Endpoint parse_url(std::string_view url) {
  Endpoint endpoint;
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    bad_url(url, "expected redis://, rediss:// or unix://");
  }
  const std::string_view scheme = url.substr(0, scheme_end);
  std::string_view rest = url.substr(scheme_end + 3);

  std::string_view query;
  if (const auto q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  if (scheme == "unix") {
    // unix://[user[:password]@]/path/to/socket
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) {
      bad_url(url, "expected a socket path: unix:///path/to/redis.sock");
    }
    std::string_view authority = rest.substr(0, slash);
    take_userinfo(authority, endpoint);
    if (!authority.empty()) {
      bad_url(url, "a unix:// URL names no host: unix:///path/to/redis.sock");
    }
    endpoint.socket_path = percent_decode(rest.substr(slash));
    if (endpoint.socket_path == "/") {
      bad_url(url, "empty socket path");
    }
  } else if (scheme == "redis+sentinel" || scheme == "rediss+sentinel") {
    endpoint.tls.enabled = scheme == "rediss+sentinel";
    take_sentinel(url, rest, endpoint);
  } else if (scheme == "redis" || scheme == "rediss") {
    endpoint.tls.enabled = scheme == "rediss";
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    take_userinfo(authority, endpoint);
    take_host_port(url, authority, endpoint);
    if (slash != std::string_view::npos) {
      const std::string_view db_text = rest.substr(slash + 1);
      if (!db_text.empty()) {
        endpoint.db = parse_number(url, db_text, 0, 1 << 20, "db");
      }
    }
  } else {
    bad_url(url, fmt::format("unknown scheme '{}' (expected redis, rediss, unix or redis+sentinel)", scheme));
  }
  take_query(url, query, endpoint);
  return endpoint;
}

} // namespace statesync
