#include "publish_script.hpp"

#include "lua_scripts.hpp"
#include "sha1.hpp"

#include <statesync/error.hpp>

#include <array>

namespace statesync::detail {
namespace {

bool is_noscript(const Reply& reply) {
  return reply.is_error() && reply.str.starts_with("NOSCRIPT");
}

} // namespace

Script::Script(std::string_view body) : body_(body), sha1_(sha1_hex(body)) {}

std::vector<std::string_view> Script::evalsha(std::size_t key_count,
                                              std::span<const std::string_view> keys_and_args) const {
  // The key count is one of a handful of small numbers, spelled here so
  // the views stay valid.
  static constexpr std::array<std::string_view, 4> counts = {"0", "1", "2", "3"};
  if (key_count >= counts.size()) {
    throw Error(ErrorKind::internal, "a publisher script with too many keys");
  }
  std::vector<std::string_view> args = {"EVALSHA", sha1_, counts[key_count]};
  args.insert(args.end(), keys_and_args.begin(), keys_and_args.end());
  return args;
}

Reply Script::run(Connection& connection, std::size_t key_count,
                  std::span<const std::string_view> keys_and_args) const {
  std::vector<std::string_view> args = evalsha(key_count, keys_and_args);
  Reply reply = call(connection, args);
  if (is_noscript(reply)) {
    args[0] = "EVAL";
    args[1] = body_;
    reply = call(connection, args);
  }
  return reply;
}

Reply call(Connection& connection, std::span<const std::string_view> args) {
  connection.append(args);
  try {
    connection.flush();
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::unavailable) {
      throw;
    }
    try {
      Reply reason = connection.read_reply();
      if (reason.is_error()) {
        return reason;
      }
    } catch (const Error&) {
      // Nothing more to read: the bare failure is all there is to say.
    }
    throw;
  }
  return connection.read_reply();
}

const Script& retain_script() {
  static const Script script(lua::retain_publish);
  return script;
}

const Script& clear_script() {
  static const Script script(lua::clear_retained);
  return script;
}

} // namespace statesync::detail
