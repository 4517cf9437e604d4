// Dead letters (issue 22, item 7): the over-delivery check and the move
// happen in one script for every batch of pending entries, not only the
// first; what is below the limit is claimed and handed out as before.

#include "redis_server.hpp"

#include <statesync/connection.hpp>
#include <statesync/stream_reader.hpp>

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace statesync;
using statesync::testing::RedisServer;

namespace {

// `count` entries in "ev", read by `consumer` of group "g" and left
// pending, each as if delivered `deliveries` times and idle for 100 s.
std::vector<std::string> pending_entries(Connection& c, const std::string& consumer, int count, int deliveries) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    ids.push_back(c.command({"XADD", "ev", "*", "payload", consumer + std::to_string(i)}).str);
  }
  c.command({"XGROUP", "CREATE", "ev", "g", "0", "MKSTREAM"});
  c.command({"XREADGROUP", "GROUP", "g", consumer, "STREAMS", "ev", ">"});
  std::vector<std::string_view> claim = {"XCLAIM", "ev", "g", consumer, "0"};
  claim.insert(claim.end(), ids.begin(), ids.end());
  const std::string times = std::to_string(deliveries);
  for (std::string_view word : {"IDLE", "100000", "RETRYCOUNT"}) {
    claim.push_back(word);
  }
  claim.push_back(times);
  claim.push_back("JUSTID");
  c.command(claim);
  return ids;
}

StreamReaderOptions group_reader(const Endpoint& endpoint, const std::string& consumer) {
  StreamReaderOptions options;
  options.endpoint = endpoint;
  options.client_name = "reader";
  options.keys = {"ev"};
  options.from = parse_stream_start("$");
  options.batch = 2; // the pending entries span several batches
  options.group = StreamGroupOptions{"g", consumer, "0", {}, 3, "dead"};
  return options;
}

long long length(Connection& c, const char* key) {
  return c.command({"XLEN", key}).integer;
}

} // namespace

TEST_CASE("every batch of a consumer's own pending entries is checked for too many deliveries") {
  RedisServer server;
  auto c = Connection::open(server.endpoint(), "setup");
  pending_entries(c, "c1", 5, 5);
  StreamReader reader(group_reader(server.endpoint(), "c1"));
  int moved = 0;
  while (auto event = reader.poll()) {
    CHECK(event->type == StreamEvent::Type::dead_lettered);
    ++moved;
  }
  CHECK(moved == 5);
  CHECK(length(c, "dead") == 5);
  CHECK(c.command({"XPENDING", "ev", "g"}).elements[0].integer == 0);
  // Read again after start: nothing of them is handed out.
  CHECK_FALSE(reader.next(Clock::now() + std::chrono::milliseconds(100)));
}

TEST_CASE("claiming checks every batch: over-delivered entries go to the dead letters, the rest is claimed") {
  RedisServer server;
  auto c = Connection::open(server.endpoint(), "setup");
  pending_entries(c, "gone", 5, 5);
  const auto below = c.command({"XADD", "ev", "*", "payload", "once"}).str;
  c.command({"XREADGROUP", "GROUP", "g", "gone", "STREAMS", "ev", ">"});
  c.command({"XCLAIM", "ev", "g", "gone", "0", below, "IDLE", "100000", "JUSTID"});
  auto options = group_reader(server.endpoint(), "alive");
  options.group->claim_idle = std::chrono::seconds(1);
  StreamReader reader(options);
  std::vector<std::string> handed_out;
  int moved = 0;
  const auto give_up = Clock::now() + std::chrono::seconds(30);
  while ((moved < 5 || handed_out.empty()) && Clock::now() < give_up) {
    auto event = reader.next(Clock::now() + std::chrono::milliseconds(200));
    if (!event) {
      continue;
    }
    if (event->type == StreamEvent::Type::dead_lettered) {
      ++moved;
    } else if (event->type == StreamEvent::Type::entry) {
      handed_out.push_back(*event->entry.field("payload"));
    }
  }
  CHECK(moved == 5);
  CHECK(handed_out == std::vector<std::string>{"once"});
  CHECK(length(c, "dead") == 5);
}

TEST_CASE("an entry acknowledged before the script looks is not dead-lettered") {
  RedisServer server;
  auto c = Connection::open(server.endpoint(), "setup");
  const auto ids = pending_entries(c, "slow", 1, 5);
  c.command({"XACK", "ev", "g", ids[0]}); // handled, at last
  StreamReader reader(group_reader(server.endpoint(), "slow"));
  CHECK_FALSE(reader.poll());
  CHECK(length(c, "dead") == 0);
}
