#pragma once
// The publisher's Lua scripts, run as the server caches them: EVALSHA by
// the script's SHA1, and EVAL with the whole body only when the server
// answers NOSCRIPT (a restarted server, SCRIPT FLUSH), which caches it again.

#include <statesync/connection.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::detail {

class Script {
public:
  explicit Script(std::string_view body);

  // EVALSHA's arguments: the command, the SHA1, the key count, then
  // `keys_and_args`. The views point into this script and `keys_and_args`.
  std::vector<std::string_view> evalsha(std::size_t key_count, std::span<const std::string_view> keys_and_args) const;

  // Runs the script and returns its reply; an error reply is returned as
  // such (not thrown), like Connection::command.
  Reply run(Connection& connection, std::size_t key_count, std::span<const std::string_view> keys_and_args) const;

private:
  std::string_view body_;
  std::string sha1_;
};

// Sends one command and reads its reply. When the server closes the
// connection while the command is still being written, it may have said
// why first (a message over proto-max-bulk-len gets "ERR Protocol error:
// invalid bulk length"): that reply is returned instead of the bare
// "connection lost".
Reply call(Connection& connection, std::span<const std::string_view> args);

// The publisher's scripts, hashed once.
const Script& retain_script();
const Script& clear_script();

} // namespace statesync::detail
