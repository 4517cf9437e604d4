#include "fence_check.hpp"

#include "common/exit_status.hpp"
#include "common/tool_main.hpp"

#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

#include <charconv>

namespace statesync::tools {

int fence_check(Link& link, const LockOptions& options) {
  const LockKeys keys = lock_keys(options.key_prefix, options.name);
  const Reply reply = link.command({"GET", keys.fence}, keys.lock);
  const std::string what = fmt::format("cannot read the fencing counter of lock '{}'", options.name);
  if (reply.is_error()) {
    throw Error(reply, what);
  }
  long long newest = 0;
  if (reply.type == Reply::Type::string) {
    const auto [end, error] = std::from_chars(reply.str.data(), reply.str.data() + reply.str.size(), newest);
    if (error != std::errc() || end != reply.str.data() + reply.str.size()) {
      throw Error(ErrorKind::protocol, fmt::format("{}: not a number: {}", what, reply.describe()));
    }
  } else if (reply.type != Reply::Type::nil) {
    throw Error(ErrorKind::protocol, fmt::format("{}: unexpected reply {}", what, reply.describe()));
  }
  if (newest > options.fence_token) {
    report(fmt::format("lock '{}' has fencing token {} now, newer than {}: a newer holder has taken it", options.name,
                       newest, options.fence_token));
    return exit_status_for(ErrorKind::fenced);
  }
  report_verbose(fmt::format("fencing token {} is still the newest of lock '{}'", options.fence_token, options.name));
  return exit_ok;
}

} // namespace statesync::tools
