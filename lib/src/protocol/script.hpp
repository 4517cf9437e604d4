#pragma once
// The library's Lua scripts, run as the server caches them: EVALSHA by the
// script's SHA1 (computed at build time, see cmake/EmbedLua.cmake), and
// EVAL with the whole body only when the server answers NOSCRIPT (a
// restarted server, SCRIPT FLUSH), which caches it again.

#include <statesync/connection.hpp>
#include <statesync/link.hpp>

#include <span>
#include <string_view>
#include <vector>

namespace statesync::detail {

class Script {
public:
  // `key_count` as the command spells it ("1"): each script takes a fixed
  // number of keys.
  constexpr Script(std::string_view body, std::string_view sha1, std::string_view key_count)
      : body_(body), sha1_(sha1), key_count_(key_count) {}

  // The command's arguments: EVALSHA and the SHA1 (cached) or EVAL and the
  // body, the key count, then `keys_and_args`. The views point into this
  // script and `keys_and_args`.
  std::vector<std::string_view> arguments(bool cached, std::span<const std::string_view> keys_and_args) const;

  // Runs the script and returns its reply; an error reply is returned as
  // such (not thrown), like Connection::command.
  Reply run(Connection& connection, std::span<const std::string_view> keys_and_args) const;
  // The same on the link, on the server for `key` (redirections followed).
  Reply run(Link& link, std::string_view key, std::span<const std::string_view> keys_and_args) const;

private:
  std::string_view body_;
  std::string_view sha1_;
  std::string_view key_count_;
};

bool is_noscript(const Reply& reply);

// Connection::command(), following a cluster's redirections (see redirect.hpp): a
// MOVED replaces `connection` with one to the slot's owner.
Reply call(Connection& connection, std::span<const std::string_view> args);

// The scripts in lib/src/*.lua. `fenced`: with a lock's fencing counter as
// a second key (see fence.lua).
const Script& retain_publish_script(bool fenced = false);
const Script& clear_retained_script(bool fenced = false);
// fence.lua with one key (the counter) or two (the counter, the key written).
const Script& fence_script(bool with_key);
const Script& lock_script();
const Script& request_publish_script();
const Script& presence_script();

} // namespace statesync::detail
