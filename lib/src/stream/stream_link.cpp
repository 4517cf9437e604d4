#include "stream/stream_link.hpp"

#include "events/recover_by.hpp"

namespace statesync::detail {

StreamLink::StreamLink(LinkOptions options) : link_(std::move(options)) {}

std::size_t StreamLink::server_for(std::string_view key) {
  const Connection* holder = &link_.connection(key);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (&link_.connection(keys_[i]) == holder) {
      return i;
    }
  }
  keys_.emplace_back(key);
  return keys_.size() - 1;
}

Connection& StreamLink::connection(std::size_t index) {
  return link_.connection(keys_.at(index));
}

bool StreamLink::recover(const Error& error, std::optional<Clock::time_point> deadline) {
  keys_.clear();
  return recover_by(link_, error, deadline);
}

void StreamLink::reset() noexcept {
  keys_.clear();
  link_.reset();
}

} // namespace statesync::detail
