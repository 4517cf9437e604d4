#pragma once
// A decoded server reply (RESP2), as plain C++ values: Connection returns
// them. A plain value; copies may be used from any thread.

#include <statesync/error.hpp>
#include <statesync/export.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace statesync {

struct STATESYNC_API Reply {
  enum class Type { string, array, integer, nil, status, error };

  Type type = Type::nil;
  std::string str; // string, status and error replies
  // An error reply's code, from its first word when it was decoded.
  ServerError error_code = ServerError::none;
  long long integer = 0;
  std::vector<Reply> elements;

  bool is_error() const noexcept { return type == Type::error; }
  bool is_status(const char* text) const;
  // Text for messages: the string or error text, or a short description.
  std::string describe() const;
};

} // namespace statesync
