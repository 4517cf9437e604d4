#pragma once
// The request and reply envelopes (request.hpp documents them), and the
// names derived from a channel: the slot tag, the presence key and the
// reply channel.

#include <statesync/request.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace statesync::detail {

// The shortest lower-case hex number whose "{TAG}" hashes to `channel`'s
// slot: a key or channel named with it lives on the channel's node.
std::string slot_tag(std::string_view channel);

std::string presence_key(std::string_view prefix, std::string_view channel);
std::string reply_channel(std::string_view prefix, std::string_view channel, std::string_view id);

// 32 random hex digits.
std::string random_id();

std::string encode_request(std::string_view id, std::string_view reply_channel, std::string_view payload);
// Nothing for a message that is not a request.
std::optional<IncomingRequest> decode_request(std::string_view channel, std::string_view message);

std::string encode_reply(std::string_view id, std::string_view instance, std::string_view host, const ReplyBody& body);
// Nothing for a message that is not a reply to request `id`.
std::optional<RequestReply> decode_reply(std::string_view id, std::string_view message);

// A presence entry's member: INSTANCE "\t" HOST.
std::string presence_member(std::string_view instance, std::string_view host);
PresentResponder parse_presence_member(std::string_view member);

} // namespace statesync::detail
