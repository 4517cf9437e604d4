#pragma once
// A subscriber on its own connection, for checking what a publisher sent.

#include <statesync/connection.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

namespace statesync::testing {

struct Listener {
  Connection connection;

  Listener(const Endpoint& server, std::string_view channel, std::string_view command = "SUBSCRIBE")
      : connection(Connection::open(server, "listener")) {
    connection.command({command, channel}); // the confirmation: subscribed
  }

  // The payloads of the next `count` messages.
  std::vector<std::string> payloads(std::size_t count) {
    std::vector<std::string> out;
    while (out.size() < count) {
      const auto reply = connection.read_reply_until(Clock::now() + std::chrono::seconds(10));
      REQUIRE(reply);
      REQUIRE(reply->elements.size() == 3);
      out.push_back(reply->elements[2].str);
    }
    return out;
  }
};

} // namespace statesync::testing
