#include <statesync/error.hpp>

#include "protocol/server_error.hpp"

#include <statesync/reply.hpp>

namespace statesync {

const char* error_kind_name(ErrorKind kind) noexcept {
  switch (kind) {
  case ErrorKind::usage:
    return "usage";
  case ErrorKind::bad_data:
    return "bad_data";
  case ErrorKind::no_input:
    return "no_input";
  case ErrorKind::unavailable:
    return "unavailable";
  case ErrorKind::server:
    return "server";
  case ErrorKind::refused:
    return "refused";
  case ErrorKind::protocol:
    return "protocol";
  case ErrorKind::lock_lost:
    return "lock_lost";
  case ErrorKind::fenced:
    return "fenced";
  case ErrorKind::output:
    return "output";
  case ErrorKind::internal:
    return "internal";
  }
  return "internal";
}

int exit_status_for(ErrorKind kind) noexcept {
  switch (kind) {
  case ErrorKind::usage:
    return 64;
  case ErrorKind::bad_data:
    return 65;
  case ErrorKind::no_input:
    return 66;
  case ErrorKind::unavailable:
  case ErrorKind::server:
    return 69;
  case ErrorKind::internal:
    return 70;
  case ErrorKind::output:
    return 74;
  case ErrorKind::lock_lost:
    return 75;
  case ErrorKind::fenced:
    return 79;
  case ErrorKind::protocol:
    return 76;
  case ErrorKind::refused:
    return 77;
  }
  return 70;
}

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
