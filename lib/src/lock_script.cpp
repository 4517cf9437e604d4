#include "lock_script.hpp"

#include "lua_scripts.hpp"
#include "sha1.hpp"

namespace statesync::detail {
namespace {

const std::string& lock_sha1() {
  static const std::string sha1 = sha1_hex(lua::lock);
  return sha1;
}

} // namespace

std::vector<std::string_view> lock_script_call(bool cached, const LockKeys& keys,
                                               std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> call = {cached ? "EVALSHA" : "EVAL",
                                        cached ? std::string_view(lock_sha1()) : lua::lock,
                                        "6",
                                        keys.lock,
                                        keys.fence,
                                        keys.signal,
                                        keys.info,
                                        keys.holders,
                                        keys.limit};
  call.insert(call.end(), args.begin(), args.end());
  return call;
}

bool is_noscript(const Reply& reply) {
  return reply.is_error() && reply.str.starts_with("NOSCRIPT");
}

Reply run_lock_script(Connection& connection, const LockKeys& keys, std::initializer_list<std::string_view> args) {
  Reply reply = connection.command(lock_script_call(true, keys, args));
  if (is_noscript(reply)) {
    reply = connection.command(lock_script_call(false, keys, args));
  }
  return reply;
}

} // namespace statesync::detail
