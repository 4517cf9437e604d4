#pragma once
// The one wording of a reply that makes no sense for the command it
// answers, for every part of the library that decodes one.

#include <statesync/error.hpp>
#include <statesync/reply.hpp>

#include <string_view>

namespace statesync::detail {

// Error(protocol): "unexpected reply to WHAT from WHERE: the reply".
Error unexpected_reply(std::string_view where, std::string_view what, const Reply& reply);

} // namespace statesync::detail
