#pragma once
// Errors the library reports. Each carries a kind, so a caller can decide
// what a failure means (the tools map kinds to exit statuses) without
// parsing message text; an error the server answered carries the server's
// error code too, taken from the reply's first word when the reply was
// decoded, and for MOVED and ASK the slot and the node named.

#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace statesync {

struct Reply;

// What an error means to a caller (and which exit status the tools end with).
enum class ErrorKind {
  usage,       // a bad argument from the caller: URL that does not parse, bad option value
  bad_data,    // input data that does not have the expected shape
  no_input,    // an input file cannot be read
  unavailable, // cannot connect, timeout, connection lost, TLS refused
  server,      // the server answered with an error reply (OOM, READONLY, ERR ...)
  refused,     // authentication failed, NOAUTH, NOPERM
  protocol,    // a reply that is malformed or not what the command should get
  lock_lost,   // a held lock was lost
  fenced,      // a fenced write refused: a newer holder has taken the lock since
  output,      // cannot write output
  internal,    // a bug
};

// The first word of a server's error reply ("MOVED 3999 10.0.0.2:6379" is
// `moved`). `none`: the error is not a server's reply; `other`: a word not
// listed here. A server before Redis 6 said "ERR invalid password" for a
// wrong password: that is `wrongpass` too.
enum class ServerError {
  none,
  moved,       // the slot has another owner for good
  ask,         // this key is being migrated: ask the node named, this once
  tryagain,    // keys of a slot half-way through a migration: try again shortly
  readonly,    // a replica (a demoted master) refuses writes
  unblocked,   // a blocking command (BLPOP, XREAD BLOCK) ended: the master was demoted
  clusterdown, // the cluster cannot serve the slot now
  loading,     // the server is loading its data set
  busy,        // a script runs too long
  masterdown,  // a replica lost its master and serves no stale data
  noscript,    // EVALSHA of a script the server does not have
  noauth,      // a password is needed
  wrongpass,   // wrong user name or password
  noperm,      // the user may not run this command or touch this key
  oom,         // the server is out of memory (maxmemory)
  wrongtype,   // a key holds another type of value
  nogroup,     // a stream's consumer group does not exist
  busygroup,   // a stream's consumer group exists already
  execabort,   // a transaction was discarded
  fenced,      // statesync's fenced write refused (FENCED, from fence.lua)
  err,         // the generic ERR
  other,
};

// Where a MOVED or ASK reply sends the client: the slot and the node that
// serves it (an empty host: the node asked does not know the address; ask
// at the same host).
struct STATESYNC_API Redirection {
  int slot = 0;  // the key's hash slot
  HostPort node; // the node that serves it
};

// "unavailable", "lock_lost" ...: the kind as its enumerator is spelled,
// for logs and messages.
STATESYNC_API const char* error_kind_name(ErrorKind kind) noexcept;

// The exit status the statesync tools end with after an error of this
// kind, for a program that wants to end as they do (sysexits.h: usage 64,
// bad_data 65, no_input 66, unavailable and server 69, internal 70, output
// 74, protocol 76, refused 77; lock_lost 75, which sysexits calls
// TEMPFAIL). The tools' manual pages list every status.
STATESYNC_API int exit_status_for(ErrorKind kind) noexcept;

// Immutable once thrown; copies may be used from any thread.
class STATESYNC_API Error : public std::runtime_error {
public:
  // An error of `kind` with `message` (no server code).
  Error(ErrorKind kind, const std::string& message);
  // The server's error reply `reply` (Reply::is_error()), quoted after
  // `context`: "<context>: <the server's words>". Its kind, code and
  // redirection are the reply's.
  Error(const Reply& reply, std::string_view context);
  // `cause` told with another message: the same kind, code and redirection.
  Error(const Error& cause, const std::string& message);

  ErrorKind kind() const noexcept { return kind_; } // what it means to the caller
  // The server's code; none when the error is not a server's reply.
  ServerError server_error() const noexcept { return server_error_; }
  // The slot and node a MOVED or ASK reply names; nullptr for any other
  // error.
  const Redirection* redirection() const noexcept { return redirection_.get(); }

private:
  ErrorKind kind_;
  ServerError server_error_ = ServerError::none;
  // Shared, so that copying an exception cannot throw.
  std::shared_ptr<const Redirection> redirection_;
};

} // namespace statesync
