#pragma once
// The Lua scripts in lib/src/*/*.lua, embedded at build time by
// cmake/EmbedLua.cmake: the body and its SHA1 (for EVALSHA) per file, named
// after it. script.hpp runs them.

#include <string_view>

namespace statesync::detail::lua {
extern const std::string_view retain_publish; // publisher: store state, bump version, publish
extern const std::string_view retain_publish_sha1;
extern const std::string_view clear_retained; // publisher: delete state, publish an empty message
extern const std::string_view clear_retained_sha1;
extern const std::string_view fence; // a command written only by a lock's newest holder (fencing)
extern const std::string_view fence_sha1;
extern const std::string_view lock; // lock and semaphore: every operation (lock.hpp)
extern const std::string_view lock_sha1;
extern const std::string_view dead_letter; // stream reader: a poison entry to the dead-letter stream
extern const std::string_view dead_letter_sha1;
extern const std::string_view retained_matching; // subscriber: the retained states a pattern matches
extern const std::string_view retained_matching_sha1;
extern const std::string_view request_publish; // requester: read the presence entries, publish the request
extern const std::string_view request_publish_sha1;
extern const std::string_view presence; // responder: refresh or remove its presence entry
extern const std::string_view presence_sha1;
} // namespace statesync::detail::lua
