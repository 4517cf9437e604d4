#pragma once
// A server's error reply read as values: its code from the first word,
// what the code means to a caller, and where MOVED and ASK send it. Used
// where replies are decoded, so that nothing later reads message text.

#include <statesync/error.hpp>

#include <optional>
#include <string_view>

namespace statesync::detail {

// The code of an error reply's text ("NOPERM this user ..." -> noperm).
ServerError server_error_code(std::string_view reply_text) noexcept;

// refused for NOAUTH, WRONGPASS and NOPERM; server for any other code.
ErrorKind kind_of(ServerError code) noexcept;

// "<slot> <host>:<port>" after MOVED or ASK; nullopt when `code` is
// neither or the text does not have that shape.
std::optional<Redirection> parse_redirection(ServerError code, std::string_view reply_text);

} // namespace statesync::detail
