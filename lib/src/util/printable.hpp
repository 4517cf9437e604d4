#pragma once
// Names are binary-safe (channels, keys); messages about them must stay one
// readable line.

#include <string>
#include <string_view>

namespace statesync::detail {

// `text` with control bytes, bytes above 0x7e and `\` written as \xHH.
std::string printable(std::string_view text);

} // namespace statesync::detail
