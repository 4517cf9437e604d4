// Inspection and repair of locks, for operators: who holds a lock, which
// locks are held, and force-release of a stuck one.

#include "lock/lock_reply.hpp"
#include "lock/lock_script.hpp"

#include <statesync/error.hpp>
#include <statesync/lock.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

namespace statesync {
namespace {

using Type = Reply::Type;

LockStatus parse_status(std::string_view name, const Reply& reply, std::string_view what) {
  LockStatus status;
  status.name = name;
  const long long now = detail::lock_reply_element(reply, 0, Type::integer, what).integer;
  status.limit = static_cast<int>(detail::lock_reply_element(reply, 1, Type::integer, what).integer);
  status.shared = status.limit == 0;
  status.last_fence = detail::lock_reply_element(reply, 2, Type::integer, what).integer;
  for (std::size_t i = 3; i + 2 < reply.elements.size(); i += 3) {
    status.holders.push_back(detail::parse_holder(detail::lock_reply_element(reply, i, Type::string, what).str,
                                                  detail::lock_reply_element(reply, i + 1, Type::integer, what).integer,
                                                  reply.elements[i + 2], now));
  }
  status.held = !status.holders.empty();
  return status;
}

LockStatus run_status(Link& link, std::string_view prefix, std::string_view name, const char* op,
                      std::string_view what) {
  const Reply reply = expect_ok(detail::run_lock_script(link, lock_keys(prefix, name), {op}), what);
  return parse_status(name, reply, what);
}

// SCAN's MATCH treats * ? [ ] \ specially; a prefix is matched literally.
std::string glob_escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out;
}

// The lock's name from one of its keys: a plain lock's key, a semaphore's
// holders key or a history; other keys (fence, info ...) are not locks.
std::optional<std::string> name_of(std::string_view key, std::string_view start) {
  if (!key.starts_with(start)) {
    return std::nullopt;
  }
  key.remove_prefix(start.size());
  for (const std::string_view end :
       {std::string_view("}"), std::string_view("}:holders"), std::string_view("}:history")}) {
    if (key.size() > end.size() && key.ends_with(end)) {
      return std::string(key.substr(0, key.size() - end.size()));
    }
  }
  return std::nullopt;
}

} // namespace

LockStatus lock_status(Link& link, std::string_view prefix, std::string_view name) {
  return run_status(link, prefix, name, "status", fmt::format("cannot read lock '{}'", name));
}

LockStatus force_release(Link& link, std::string_view prefix, std::string_view name) {
  return run_status(link, prefix, name, "force", fmt::format("cannot release lock '{}'", name));
}

namespace detail {

std::set<std::string> lock_names(Link& link, std::string_view prefix, std::string_view pattern) {
  const std::string start = fmt::format("{}lock:{{", prefix);
  const std::string match = fmt::format("{}{}}}*", glob_escape(start), pattern);
  std::set<std::string> names;
  std::string cursor = "0";
  do {
    const Reply reply = expect_ok(link.command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"}), "cannot list locks");
    cursor = lock_reply_element(reply, 0, Type::string, "SCAN").str;
    for (const Reply& key : lock_reply_element(reply, 1, Type::array, "SCAN").elements) {
      if (auto name = name_of(key.str, start)) {
        names.insert(std::move(*name));
      }
    }
  } while (cursor != "0");
  return names;
}

} // namespace detail

std::vector<LockStatus> list_locks(Link& link, std::string_view prefix, std::string_view pattern) {
  std::vector<LockStatus> held;
  for (const std::string& name : detail::lock_names(link, prefix, pattern)) {
    LockStatus status = lock_status(link, prefix, name);
    if (status.held) {
      held.push_back(std::move(status));
    }
  }
  return held;
}

} // namespace statesync
