#pragma once
// A decoded server reply (RESP2), as plain C++ values: Connection returns
// them. A plain value; copies may be used from any thread.

#include <statesync/error.hpp>
#include <statesync/export.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace statesync {

// A decoded server reply (RESP2): plain data, copyable, no I/O.
struct STATESYNC_API Reply {
  enum class Type { string, array, integer, nil, status, error }; // RESP's reply types

  Type type = Type::nil; // which fields below hold the reply
  std::string str;       // string, status and error replies
  // An error reply's code, from its first word when it was decoded.
  ServerError error_code = ServerError::none;
  long long integer = 0;       // integer replies
  std::vector<Reply> elements; // array replies

  bool is_error() const noexcept { return type == Type::error; } // an error reply
  bool is_status(const char* text) const;                        // a status reply that reads `text` ("OK")
  // Text for messages: the string or error text, or a short description.
  std::string describe() const;
};

} // namespace statesync
