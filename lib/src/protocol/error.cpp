#include <statesync/error.hpp>

#include <array>
#include <string_view>

namespace statesync {

Error::Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

ErrorKind classify_server_error(const std::string& reply_text) {
  static constexpr std::array<std::string_view, 4> refusals = {"WRONGPASS", "NOAUTH", "NOPERM", "INVALIDPASSWORD"};
  const std::string_view first_word = std::string_view(reply_text).substr(0, reply_text.find(' '));
  for (auto refusal : refusals) {
    if (first_word == refusal) {
      return ErrorKind::refused;
    }
  }
  // Redis before ACLs said "ERR invalid password" for a wrong AUTH.
  if (reply_text.starts_with("ERR invalid password") || reply_text.starts_with("ERR AUTH")) {
    return ErrorKind::refused;
  }
  return ErrorKind::server;
}

} // namespace statesync
