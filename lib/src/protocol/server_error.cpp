#include "protocol/server_error.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace statesync::detail {
namespace {

using namespace std::string_view_literals;

constexpr std::array codes = {
    std::pair{"MOVED"sv, ServerError::moved},
    std::pair{"ASK"sv, ServerError::ask},
    std::pair{"TRYAGAIN"sv, ServerError::tryagain},
    std::pair{"READONLY"sv, ServerError::readonly},
    std::pair{"UNBLOCKED"sv, ServerError::unblocked},
    std::pair{"CLUSTERDOWN"sv, ServerError::clusterdown},
    std::pair{"LOADING"sv, ServerError::loading},
    std::pair{"BUSY"sv, ServerError::busy},
    std::pair{"MASTERDOWN"sv, ServerError::masterdown},
    std::pair{"NOSCRIPT"sv, ServerError::noscript},
    std::pair{"NOAUTH"sv, ServerError::noauth},
    std::pair{"WRONGPASS"sv, ServerError::wrongpass},
    std::pair{"INVALIDPASSWORD"sv, ServerError::wrongpass}, // some proxies' word
    std::pair{"NOPERM"sv, ServerError::noperm},
    std::pair{"OOM"sv, ServerError::oom},
    std::pair{"WRONGTYPE"sv, ServerError::wrongtype},
    std::pair{"NOGROUP"sv, ServerError::nogroup},
    std::pair{"BUSYGROUP"sv, ServerError::busygroup},
    std::pair{"EXECABORT"sv, ServerError::execabort},
    std::pair{"FENCED"sv, ServerError::fenced},
    std::pair{"ERR"sv, ServerError::err},
};

int parse_port(std::string_view text) {
  int port = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (failure != std::errc() || end != text.data() + text.size() || port <= 0 || port > 65535) {
    return 0;
  }
  return port;
}

} // namespace

ServerError server_error_code(std::string_view reply_text) noexcept {
  // Redis before ACLs (6.0) refused a wrong password with a plain ERR. A
  // needless password ("ERR AUTH <password> called without any password
  // configured") stays ERR: the connection warns and goes on, as redis-cli.
  if (reply_text.starts_with("ERR invalid password")) {
    return ServerError::wrongpass;
  }
  const std::string_view first_word = reply_text.substr(0, reply_text.find(' '));
  for (const auto& [word, code] : codes) {
    if (first_word == word) {
      return code;
    }
  }
  return ServerError::other;
}

ErrorKind kind_of(ServerError code) noexcept {
  switch (code) {
  case ServerError::noauth:
  case ServerError::wrongpass:
  case ServerError::noperm:
    return ErrorKind::refused;
  case ServerError::fenced:
    return ErrorKind::fenced;
  default:
    return ErrorKind::server;
  }
}

std::optional<Redirection> parse_redirection(ServerError code, std::string_view reply_text) {
  if (code != ServerError::moved && code != ServerError::ask) {
    return std::nullopt;
  }
  // "MOVED <slot> <host>:<port>"; an IPv6 host comes without brackets.
  const auto first_space = reply_text.find(' ');
  if (first_space == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view rest = reply_text.substr(first_space + 1);
  const auto space = rest.find(' ');
  const auto colon = rest.rfind(':');
  if (space == std::string_view::npos || colon == std::string_view::npos || colon < space) {
    return std::nullopt;
  }
  Redirection result;
  const std::string_view slot = rest.substr(0, space);
  const auto [end, failure] = std::from_chars(slot.data(), slot.data() + slot.size(), result.slot);
  if (failure != std::errc() || end != slot.data() + slot.size() || result.slot < 0 || result.slot > 16383) {
    return std::nullopt;
  }
  result.node.port = parse_port(rest.substr(colon + 1));
  if (result.node.port == 0) {
    return std::nullopt;
  }
  result.node.host = rest.substr(space + 1, colon - space - 1);
  return result;
}

} // namespace statesync::detail
