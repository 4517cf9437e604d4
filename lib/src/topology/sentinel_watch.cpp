#include "topology/sentinel_watch.hpp"

#include "topology/sentinel.hpp"

#include <statesync/error.hpp>

#include <sstream>
#include <utility>

namespace statesync::detail {
namespace {

// How often a writer looks for an announcement: a non-blocking read, so
// not once per message.
constexpr std::chrono::milliseconds look_every{5};
// After a Sentinel could not be subscribed to, before the next is tried.
constexpr std::chrono::milliseconds retry_after{1000};

// "<name> <old ip> <old port> <new ip> <new port>", for `master`.
std::optional<HostPort> switched_to(const Reply& message, const std::string& master) {
  if (message.type != Reply::Type::array || message.elements.size() != 3 || message.elements[0].str != "message") {
    return std::nullopt;
  }
  std::istringstream fields(message.elements[2].str);
  std::string name, old_host, old_port, host;
  int port = 0;
  if (!(fields >> name >> old_host >> old_port >> host >> port) || name != master) {
    return std::nullopt;
  }
  return HostPort{host, port};
}

} // namespace

SentinelWatch::SentinelWatch(Endpoint endpoint, std::string client_name)
    : endpoint_(std::move(endpoint)), client_name_(std::move(client_name)) {}

std::optional<HostPort> SentinelWatch::moved_from(const Endpoint& connected) {
  const auto now = Clock::now();
  if (now < next_look_) {
    return std::nullopt;
  }
  next_look_ = now + look_every;
  try {
    if (!subscription_) {
      subscribe();
    }
    read_announcements();
  } catch (const Error&) {
    subscription_.reset();
    next_look_ = Clock::now() + retry_after;
  }
  if (named_ && (named_->host != connected.host || named_->port != connected.port)) {
    return named_;
  }
  return std::nullopt;
}

void SentinelWatch::subscribe() {
  const HostPort& address = endpoint_.sentinels[next_sentinel_++ % endpoint_.sentinels.size()];
  const auto connect_by = Clock::now() + endpoint_.connect_timeout;
  Connection subscribed = open_sentinel(endpoint_, address, client_name_, connect_by, std::nullopt);
  expect_ok(subscribed.command({"SUBSCRIBE", "+switch-master"}), "SUBSCRIBE +switch-master");
  // Announcements before the subscription are missed: where the master is
  // now comes from asking, after it.
  Connection asking = open_sentinel(endpoint_, address, client_name_, connect_by, std::nullopt);
  std::string why;
  if (auto named = master_named_by(asking, endpoint_.master_name, why)) {
    named_ = std::move(named);
  }
  subscription_ = std::move(subscribed);
}

void SentinelWatch::read_announcements() {
  while (auto message = subscription_->read_reply_until(Clock::now())) {
    if (auto to = switched_to(*message, endpoint_.master_name)) {
      named_ = std::move(to);
    }
  }
}

} // namespace statesync::detail
