#include "watch/change_feed.hpp"

#include "pubsub/subscriber_protocol.hpp"
#include "watch/glob.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace statesync::detail {
namespace {

constexpr std::string_view invalidation_channel = "__redis__:invalidate";

[[noreturn]] void unexpected(const Connection& c, const char* what, const Reply& reply) {
  throw Error(ErrorKind::protocol,
              fmt::format("unexpected reply to {} from {}: {}", what, c.where(), reply.describe()));
}

// The error reply refusing a (P)SUBSCRIBE, if any; checks the
// confirmations of `count` of them.
std::optional<Reply> subscribed(Connection& listener, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    Reply reply = listener.read_reply();
    if (reply.is_error()) {
      return reply;
    }
    if (reply.type != Reply::Type::array || reply.elements.empty() || !reply.elements[0].str.ends_with("subscribe")) {
      unexpected(listener, "SUBSCRIBE", reply);
    }
  }
  return std::nullopt;
}

// Turns tracking on for `reader`, sent to `listener`; the error reply when
// the server refuses (an ACL without CLIENT or without the channel, a
// proxy, a server before Redis 6).
std::optional<Reply> start_tracking(Connection& listener, Connection& reader, const FeedRequest& request) {
  Reply id = listener.command({"CLIENT", "ID"});
  if (id.is_error()) {
    return id;
  }
  if (id.type != Reply::Type::integer) {
    unexpected(listener, "CLIENT ID", id);
  }
  const std::string redirect = std::to_string(id.integer);
  std::vector<std::string> args{"CLIENT", "TRACKING", "on", "REDIRECT", redirect};
  if (!request.patterns.empty()) {
    args.emplace_back("BCAST");
    for (auto& prefix : tracking_prefixes(request)) {
      args.emplace_back("PREFIX");
      args.push_back(std::move(prefix));
    }
  }
  // Subscribed first: nothing the tracking sends can be missed.
  listener.append({"SUBSCRIBE", invalidation_channel});
  listener.flush();
  if (auto refusal = subscribed(listener, 1)) {
    return refusal;
  }
  Reply tracking = reader.command(std::vector<std::string_view>(args.begin(), args.end()));
  if (tracking.is_error()) {
    return tracking;
  }
  if (!tracking.is_status("OK")) {
    unexpected(reader, "CLIENT TRACKING", tracking);
  }
  return std::nullopt;
}

// Whether notify-keyspace-events has keyspace events (K) for every kind of
// change (A, or each class).
bool notifications_enabled(std::string_view flags) {
  if (flags.find('K') == std::string_view::npos) {
    return false;
  }
  return flags.find('A') != std::string_view::npos ||
         std::all_of(std::begin("g$lshzxet"), std::end("g$lshzxet") - 1,
                     [&](char c) { return flags.find(c) != std::string_view::npos; });
}

// Tracking was refused: the reply to CONFIG GET notify-keyspace-events
// decides whether notifications can stand in.
void require_notifications(Connection& reader, const Reply& refusal) {
  const Reply config = reader.command({"CONFIG", "GET", "notify-keyspace-events"});
  if (!config.is_error() && config.type == Reply::Type::array && config.elements.size() == 2 &&
      notifications_enabled(config.elements[1].str)) {
    return;
  }
  const ErrorKind kind = Error(refusal, "").kind();
  const std::string why = config.is_error()
                              ? fmt::format("its keyspace notifications cannot be checked ({})", config.str)
                              : "keyspace notifications are off";
  throw Error(kind == ErrorKind::refused ? ErrorKind::refused : ErrorKind::unavailable,
              fmt::format("{} refused client-side caching ({}) and {}: allow this user CLIENT ID, CLIENT TRACKING "
                          "and the channel __redis__:invalidate (+client|id +client|tracking &__redis__:invalidate), "
                          "or set notify-keyspace-events KA on the server",
                          reader.where(), refusal.str, why));
}

void subscribe_to_notifications(Connection& listener, const std::string& channel_prefix, const FeedRequest& request) {
  const std::string escaped = glob_escape(channel_prefix);
  for (const auto& key : request.keys) {
    listener.append({"PSUBSCRIBE", escaped + glob_escape(key)});
  }
  for (const auto& pattern : request.patterns) {
    listener.append({"PSUBSCRIBE", escaped + pattern});
  }
  listener.flush();
  if (const auto refusal = subscribed(listener, request.keys.size() + request.patterns.size())) {
    throw Error(*refusal, fmt::format("cannot subscribe to keyspace notifications at {}", listener.where()));
  }
}

} // namespace

ChangeFeed::ChangeFeed(Connection listener, Connection reader, bool notifications, std::string channel_prefix)
    : listener_(std::move(listener)), reader_(std::move(reader)), notifications_(notifications),
      channel_prefix_(std::move(channel_prefix)) {}

ChangeFeed ChangeFeed::open(WatchLink& link, const Endpoint& node, const FeedRequest& request) {
  Connection listener = link.open(node);
  Connection reader = link.open(node);
  const auto refusal = start_tracking(listener, reader, request);
  if (!refusal) {
    return ChangeFeed(std::move(listener), std::move(reader), false, {});
  }
  require_notifications(reader, *refusal);
  // A fresh listener: the first may be subscribed to invalidations already.
  Connection notified = link.open(node);
  std::string channel_prefix = fmt::format("__keyspace@{}__:", node.db);
  subscribe_to_notifications(notified, channel_prefix, request);
  return ChangeFeed(std::move(notified), std::move(reader), true, std::move(channel_prefix));
}

std::optional<Invalidation> ChangeFeed::read(Reply& reply) const {
  if (reply.is_error()) {
    throw Error(reply, fmt::format("{} said", listener_.where()));
  }
  auto& parts = reply.elements;
  if (reply.type != Reply::Type::array || parts.empty() || parts[0].type != Reply::Type::string) {
    unexpected(listener_, "a subscription", reply);
  }
  const std::string_view kind = parts[0].str;
  Invalidation result;
  if (kind == "message" && parts.size() == 3) {
    Reply& keys = parts[2];
    if (keys.type == Reply::Type::nil) {
      result.everything = true;
    } else if (keys.type == Reply::Type::string) {
      result.keys.push_back(std::move(keys.str));
    } else if (keys.type == Reply::Type::array) {
      for (auto& key : keys.elements) {
        result.keys.push_back(std::move(key.str));
      }
    } else {
      unexpected(listener_, "a subscription", reply);
    }
    return result;
  }
  if (kind == "pmessage" && parts.size() == 4 && parts[2].str.starts_with(channel_prefix_)) {
    result.keys.push_back(parts[2].str.substr(channel_prefix_.size()));
    return result;
  }
  if (kind.ends_with("subscribe")) {
    return std::nullopt;
  }
  unexpected(listener_, "a subscription", reply);
}

std::vector<std::string> tracking_prefixes(const FeedRequest& request) {
  std::vector<std::string> prefixes = request.keys;
  for (const auto& pattern : request.patterns) {
    prefixes.push_back(glob_literal_prefix(pattern));
  }
  std::sort(prefixes.begin(), prefixes.end());
  std::vector<std::string> kept;
  for (auto& prefix : prefixes) {
    if (prefix.empty()) {
      return {};
    }
    // Sorted: whatever covers this prefix was kept just before it.
    if (kept.empty() || !prefix.starts_with(kept.back())) {
      kept.push_back(std::move(prefix));
    }
  }
  return kept;
}

} // namespace statesync::detail
