#pragma once
// What the subscriber says and hears, apart from any socket: the commands
// it sends and what each reply on a subscribed connection means. Kept free
// of I/O so that unit tests can feed it replies.

#include <statesync/reply.hpp>
#include <statesync/subscriber.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace statesync::detail {

enum class PushKind {
  message,    // a published message: filled into the Message
  pong,       // the answer to a keepalive PING
  subscribed, // a (un)subscribe confirmation
  dropped,    // the server ended a sharded subscription on its own (slot moved)
};

// Classifies one reply received while subscribed; for a message, moves its
// parts into `out`. Throws Error for an error reply (classified) and
// Error(protocol) for anything a subscribed connection should not get.
PushKind read_push(Reply& reply, Message& out);

std::string_view subscribe_command(SubscriptionMode mode) noexcept;
std::string_view unsubscribe_command(SubscriptionMode mode) noexcept;

// Checks one subscribe confirmation read while subscribing; throws Error
// for an error reply or something else.
void expect_confirmation(const Reply& reply, std::string_view name);

// The retained state in an HMGET <key> payload version reply, or nothing
// when the hash does not exist. Throws Error for an error reply and
// Error(protocol) for a reply of the wrong shape.
std::optional<Message> retained_state(const Reply& reply, std::string_view channel, std::string_view key);

// The {channel, payload, version} triples of the retained_matching script
// (a reply to EVAL), as retained states matched by `pattern`.
std::vector<Message> retained_states_matching(const Reply& reply, std::string_view pattern);

// `text` with the glob characters * ? [ ] \ escaped, to match literally.
std::string glob_escape(std::string_view text);

} // namespace statesync::detail
