#include "lock/lock_script.hpp"

#include "protocol/script.hpp"

namespace statesync::detail {
namespace {

std::vector<std::string_view> keys_then(const LockKeys& keys, std::initializer_list<std::string_view> args) {
  std::vector<std::string_view> all = {keys.lock,  keys.fence,   keys.signal, keys.info,   keys.holders,
                                       keys.limit, keys.history, keys.runs,   keys.window, keys.refusals,
                                       keys.queue, keys.xsignal, keys.serial};
  all.insert(all.end(), args.begin(), args.end());
  return all;
}

} // namespace

std::vector<std::string_view> lock_script_call(bool cached, const LockKeys& keys,
                                               std::initializer_list<std::string_view> args) {
  return lock_script().arguments(cached, keys_then(keys, args));
}

Reply run_lock_script(Link& link, const LockKeys& keys, std::initializer_list<std::string_view> args) {
  return lock_script().run(link, keys.lock, keys_then(keys, args));
}

} // namespace statesync::detail
