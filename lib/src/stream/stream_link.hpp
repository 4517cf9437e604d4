#pragma once
// The stream writer's and reader's way to their servers, over the
// library's Link (opening, routing a key to its slot's owner or the master
// the Sentinels name, reconnecting): what a stream adds is a number per
// server, so that keys on the same server share one pipelined read.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/link.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::detail {

class StreamLink {
public:
  explicit StreamLink(LinkOptions options);

  // Which server holds `key`: keys with the same number share a server
  // and a connection, until the link reconnects.
  std::size_t server_for(std::string_view key);
  // The connection to server `index` (a number server_for gave).
  Connection& connection(std::size_t index);

  // After `error`: connects again where the keys are now (Link::recover);
  // the server numbers start over. False when the wake fd ended a wait or
  // `deadline` came (detail::recover_by).
  bool recover(const Error& error, std::optional<Clock::time_point> deadline = std::nullopt);
  // Closes every connection; the numbers start over.
  void reset() noexcept;

  // Sends `args` alone to the node an ASK reply names (Link::ask).
  Reply ask(const Reply& ask, const Connection& asking, std::span<const std::string_view> args) {
    return link_.ask(ask, asking, args);
  }
  Link& link() noexcept { return link_; }
  // The caller's work went forward (Link::progress).
  void progress() noexcept { link_.progress(); }
  void set_wake_fd(int fd) noexcept { link_.set_wake_fd(fd); }
  void on_reconnect(std::function<void()> callback) { link_.on_reconnect(std::move(callback)); }
  const Endpoint& endpoint() const noexcept { return link_.endpoint(); }
  std::string where() const { return link_.where(); }

private:
  Link link_;
  std::vector<std::string> keys_; // per server number: a key it holds
};

} // namespace statesync::detail
