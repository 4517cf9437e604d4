#include "lock/lock_reply.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <sstream>

namespace statesync::detail {

const Reply& lock_reply_element(const Reply& reply, std::size_t index, Reply::Type type, std::string_view what) {
  const Reply& element = lock_reply_element(reply, index, what);
  if (element.type != type) {
    throw Error(ErrorKind::protocol,
                fmt::format("{}: unexpected reply from the lock script: {}", what, reply.describe()));
  }
  return element;
}

const Reply& lock_reply_element(const Reply& reply, std::size_t index, std::string_view what) {
  if (reply.type != Reply::Type::array || reply.elements.size() <= index) {
    throw Error(ErrorKind::protocol,
                fmt::format("{}: unexpected reply from the lock script: {}", what, reply.describe()));
  }
  return reply.elements[index];
}

Holder parse_holder(std::string token, long long left_ms, const Reply& info, long long now_ms) {
  Holder holder;
  holder.token = std::move(token);
  if (left_ms >= 0) {
    holder.left = std::chrono::milliseconds(left_ms);
  }
  if (info.type != Reply::Type::string) {
    return holder;
  }
  // "fence since_ms ttl_ms pid host": the host last, as the rest of the
  // line; "hold " first once the command has ended (--hold).
  std::istringstream in(info.str);
  holder.after_run = info.str.starts_with("hold ");
  if (holder.after_run) {
    in.ignore(5);
  }
  long long ttl_ms = 0;
  if (!(in >> holder.fence >> holder.since_ms >> ttl_ms >> holder.pid)) {
    return holder;
  }
  in >> std::ws;
  std::getline(in, holder.host);
  holder.ours = true;
  holder.ttl = std::chrono::milliseconds(ttl_ms);
  holder.held = std::chrono::milliseconds(std::max(0LL, now_ms - holder.since_ms));
  return holder;
}

} // namespace statesync::detail
