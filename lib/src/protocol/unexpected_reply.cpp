#include "protocol/unexpected_reply.hpp"

#include <fmt/format.h>

namespace statesync::detail {

Error unexpected_reply(std::string_view where, std::string_view what, const Reply& reply) {
  return Error(ErrorKind::protocol, fmt::format("unexpected reply to {} from {}: {}", what, where, reply.describe()));
}

} // namespace statesync::detail
