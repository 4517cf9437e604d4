#include <statesync/error.hpp>

#include "protocol/server_error.hpp"

#include <statesync/reply.hpp>

namespace statesync {

Error::Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}

Error::Error(const Reply& reply, std::string_view context)
    : std::runtime_error(std::string(context) + ": " + reply.str), kind_(detail::kind_of(reply.error_code)),
      server_error_(reply.error_code) {
  if (auto to = detail::parse_redirection(reply.error_code, reply.str)) {
    redirection_ = std::make_shared<const Redirection>(std::move(*to));
  }
}

Error::Error(const Error& cause, const std::string& message)
    : std::runtime_error(message), kind_(cause.kind_), server_error_(cause.server_error_),
      redirection_(cause.redirection_) {}

} // namespace statesync
