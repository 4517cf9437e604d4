#pragma once
// Errors the library reports. Each carries a kind, so a caller can decide
// what a failure means (the tools map kinds to exit statuses) without
// parsing message text.

#include <statesync/export.hpp>

#include <stdexcept>
#include <string>

namespace statesync {

enum class ErrorKind {
  usage,       // a bad argument from the caller: URL that does not parse, bad option value
  bad_data,    // input data that does not have the expected shape
  no_input,    // an input file cannot be read
  unavailable, // cannot connect, timeout, connection lost, TLS refused
  server,      // the server answered with an error reply (OOM, READONLY, ERR ...)
  refused,     // authentication failed, NOAUTH, NOPERM
  protocol,    // a reply that is malformed or not what the command should get
  lock_lost,   // a held lock was lost
  output,      // cannot write output
  internal,    // a bug
};

class STATESYNC_API Error : public std::runtime_error {
public:
  Error(ErrorKind kind, const std::string& message);
  ErrorKind kind() const noexcept { return kind_; }

private:
  ErrorKind kind_;
};

// Classifies a server error reply ("WRONGPASS ...", "NOPERM ...") by its
// first word: authentication and permission failures are `refused`,
// everything else is `server`.
STATESYNC_API ErrorKind classify_server_error(const std::string& reply_text);

} // namespace statesync
