#include "protocol/script.hpp"

#include "protocol/lua_scripts.hpp"
#include "topology/redirect.hpp"

#include <statesync/error.hpp>

namespace statesync::detail {

std::vector<std::string_view> Script::arguments(bool cached, std::span<const std::string_view> keys_and_args) const {
  std::vector<std::string_view> args = {cached ? "EVALSHA" : "EVAL", cached ? sha1_ : body_, key_count_};
  args.insert(args.end(), keys_and_args.begin(), keys_and_args.end());
  return args;
}

Reply Script::run(Connection& connection, std::span<const std::string_view> keys_and_args) const {
  Reply reply = call(connection, arguments(true, keys_and_args));
  if (is_noscript(reply)) {
    reply = call(connection, arguments(false, keys_and_args));
  }
  return reply;
}

Reply Script::run(Link& link, std::string_view key, std::span<const std::string_view> keys_and_args) const {
  Reply reply = link.command(arguments(true, keys_and_args), key);
  if (is_noscript(reply)) {
    reply = link.command(arguments(false, keys_and_args), key);
  }
  return reply;
}

bool is_noscript(const Reply& reply) {
  return reply.error_code == ServerError::noscript;
}

Reply call(Connection& connection, std::span<const std::string_view> args) {
  return follow_redirections(connection, args, connection.command(args));
}

const Script& retain_publish_script(bool fenced) {
  static const Script script(lua::retain_publish, lua::retain_publish_sha1, "1");
  static const Script with_fence(lua::retain_publish, lua::retain_publish_sha1, "2");
  return fenced ? with_fence : script;
}

const Script& clear_retained_script(bool fenced) {
  static const Script script(lua::clear_retained, lua::clear_retained_sha1, "1");
  static const Script with_fence(lua::clear_retained, lua::clear_retained_sha1, "2");
  return fenced ? with_fence : script;
}

const Script& fence_script(bool with_key) {
  static const Script counter_only(lua::fence, lua::fence_sha1, "1");
  static const Script with_written_key(lua::fence, lua::fence_sha1, "2");
  return with_key ? with_written_key : counter_only;
}

const Script& lock_script() {
  static const Script script(lua::lock, lua::lock_sha1, "13");
  return script;
}

const Script& request_publish_script() {
  static const Script script(lua::request_publish, lua::request_publish_sha1, "1");
  return script;
}

const Script& presence_script() {
  static const Script script(lua::presence, lua::presence_sha1, "1");
  return script;
}

} // namespace statesync::detail
