#pragma once
// SHA-1, only to name Lua scripts the way EVALSHA does. The core library
// does not link OpenSSL (TLS is a module loaded on first use), so it has
// its own copy of this small, well-known function. Not for security.

#include <string>
#include <string_view>

namespace statesync::detail {

// The 40 lowercase hex digits of `text`'s SHA-1, as SCRIPT LOAD returns.
std::string sha1_hex(std::string_view text);

} // namespace statesync::detail
