#pragma once
// What the library's delivery tests check, whatever the topology: a
// stream counts every message acknowledged; through a failover its
// numbered messages reach the new master at least once and in order per
// channel, the retained state there is the last message, and a Subscriber
// subscribes again.

#include <statesync/connection.hpp>
#include <statesync/publisher.hpp>
#include <statesync/retained.hpp>
#include <statesync/subscriber.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <numeric>
#include <string>
#include <vector>

namespace statesync::testing {

// Every one of `total` messages was sent and acknowledged, and `acks`
// (the Acknowledgement::message numbers, as on_ack saw them) are 1, 2 ...
// `total`: numbered in the order they came, each once.
inline void check_all_acknowledged(const MessageStream& stream, const std::vector<std::uint64_t>& acks,
                                   std::uint64_t total) {
  CHECK(stream.sent() == total);
  CHECK(stream.acknowledged() == total);
  std::vector<std::uint64_t> numbered(total);
  std::iota(numbered.begin(), numbered.end(), 1);
  CHECK(acks == numbered);
}

// Retained messages numbered per channel ("0", "1" ...), the channels
// taking turns, so that every channel has messages in flight at once.
struct NumberedMessages {
  std::vector<std::string> channels;
  int per_channel = 0; // given so far, on each channel

  void retain(MessageStream& stream, int count_per_channel) {
    for (int n = 0; n < count_per_channel; ++n, ++per_channel) {
      for (const auto& channel : channels) {
        stream.retain(channel, std::to_string(per_channel));
      }
    }
  }
};

// A plain redis subscriber connection (SUBSCRIBE or SSUBSCRIBE) to one
// server: the bytes it receives are what reached that server.
struct RawSubscriber {
  Connection connection;
  std::map<std::string, std::vector<int>> received;

  RawSubscriber(const Endpoint& server, const std::vector<std::string>& channels, std::string_view command)
      : connection(Connection::open(server, "raw-subscriber")) {
    for (const auto& channel : channels) {
      connection.command({command, channel}); // the confirmation: subscribed
    }
  }

  // Reads until `channel`'s message `last` has arrived.
  void read_until(const std::string& channel, int last) {
    while (received[channel].empty() || received[channel].back() != last) {
      const auto reply = connection.read_reply_until(Clock::now() + std::chrono::seconds(10));
      REQUIRE(reply);
      REQUIRE(reply->elements.size() == 3);
      received[reply->elements[1].str].push_back(std::stoi(reply->elements[2].str));
    }
  }
};

// At least once, in order: dropping the messages sent again (a resend
// starts over from the first unacknowledged one), `received` is `from`,
// `from` + 1 ... `last` (or starts earlier: messages the old master took
// but did not acknowledge in time, sent again).
inline void check_in_order_at_least_once(const std::vector<int>& received, int from, int last) {
  std::vector<int> first_times;
  for (const int n : received) {
    if (first_times.empty() || n > first_times.back()) {
      first_times.push_back(n);
    }
  }
  REQUIRE_FALSE(first_times.empty());
  CHECK(first_times.front() <= from);
  std::vector<int> expected(static_cast<std::size_t>(last - first_times.front() + 1));
  std::iota(expected.begin(), expected.end(), first_times.front());
  CHECK(first_times == expected);
  // Nothing out of order: a number smaller than the one before is the
  // start of a resend, which goes on in order.
  for (std::size_t i = 1; i < received.size(); ++i) {
    if (received[i] < received[i - 1]) {
      CHECK(received[i] >= first_times.front());
    } else {
      CHECK(received[i] <= received[i - 1] + 1);
    }
  }
}

// The state the server for `channel` retains: the last message, at a
// version that counts every message at least once.
inline void check_retained(const Endpoint& server, const std::string& channel, int messages) {
  Connection connection = Connection::open(server, "checker");
  const auto state = read_retained_state(connection, channel);
  REQUIRE(state);
  CHECK(state->payload == std::to_string(messages - 1));
  CHECK(state->version >= messages);
}

// A Subscriber that was subscribed before the failover reports the lost
// connection, subscribes again, and then receives `payload` on `channel`,
// which `publish` sends at the new master once it is back.
inline void check_subscribes_again(Subscriber& subscriber, const std::string& channel, const std::string& payload,
                                   const std::function<void()>& publish) {
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  bool lost = false;
  bool back = false;
  while (true) {
    const auto event = subscriber.next(deadline);
    REQUIRE(event);
    if (event->type == SubscriberEvent::Type::connection_lost) {
      lost = true;
    } else if (event->type == SubscriberEvent::Type::reconnected) {
      CHECK(lost);
      back = true;
      publish();
    } else if (back && event->message.channel == channel && event->message.payload == payload) {
      return;
    }
  }
}

} // namespace statesync::testing
