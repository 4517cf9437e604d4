#pragma once
// Reading lock.lua's replies: checked access to array elements, and the
// holder metadata ("fence since_ms ttl_ms pid host") the script stores.

#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/reply.hpp>

#include <set>
#include <string>
#include <string_view>

namespace statesync::detail {

// Element `index` of an array reply, of type `type`; Error(protocol) if the
// reply is not shaped so. `what` names the operation for the message.
const Reply& lock_reply_element(const Reply& reply, std::size_t index, Reply::Type type, std::string_view what);
// The same, of any type (a field that may be nil).
const Reply& lock_reply_element(const Reply& reply, std::size_t index, std::string_view what);

// A holder from its token, the ms left on its lease (-1: no expiry), its
// info field (nil: not ours) and the server's time in ms.
Holder parse_holder(std::string token, long long left_ms, const Reply& info, long long now_ms);

// The names of the locks matching the glob `pattern` that are held or have
// a run history (SCAN). Defined in lock_inspect.cpp.
std::set<std::string> lock_names(Link& link, std::string_view prefix, std::string_view pattern);

} // namespace statesync::detail
