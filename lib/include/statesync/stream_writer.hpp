#pragma once
// Writing to Redis Streams: every message becomes one entry (XADD) of the
// stream its key names, with the payload in one field. Entries are
// pipelined with the same bounded window as a PublishStream, so memory
// stays flat for any number of them, and acknowledged in order with their
// IDs. In a cluster each key goes to its slot's owner.
//
// Example (see examples/stream_tail.cpp for reading):
//   StreamWriter writer(parse_url("redis://127.0.0.1:6379"), "me", {}, on_ack);
//   writer.publish("events", "hello");
//   writer.finish(); // every entry acknowledged, on_ack told each ID

#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/publisher.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace statesync {

// How a stream is trimmed as entries are added; nothing by default.
// With both, each entry's XADD trims by length (MAXLEN) and an XTRIM by
// age (MINID) follows it in the same pipeline: after each entry both
// limits hold (approximately unless exact).
struct STATESYNC_API StreamTrim {
  // At most `max_length` entries (MAXLEN).
  std::optional<std::uint64_t> max_length;
  // None older than `max_age` by the server's clock (MINID): the clock is
  // read once (TIME) per server and followed with the local monotonic one.
  std::optional<std::chrono::milliseconds> max_age;
  // Exact ("=") trimming, for each limit; by default approximate ("~"),
  // which Redis does a whole node at a time and is much cheaper.
  bool exact_length = false; // "=" for max_length
  bool exact_age = false;    // "=" for max_age
};

// How a StreamWriter adds entries, and where.
struct STATESYNC_API StreamWriterOptions {
  std::string field{"payload"}; // the field that holds the payload
  std::string id{"*"};          // the entry ID: "*" lets the server choose
  StreamTrim trim;              // how the stream is kept short
  StreamWindow window;          // how much is in flight per server
  // When it reconnects. While it can (enabled, or a Sentinel or cluster
  // deployment), a copy of each entry is kept until the server confirms
  // it, and entries not confirmed when a connection is lost or a failover
  // comes are added again where their key lives now: at least once (an
  // entry the old server added but whose reply was lost is added twice,
  // under a new ID).
  ReconnectPolicy reconnect;
  // Each entry added only while no newer holder has taken the lock (see
  // Fence in publisher.hpp; a refused entry is Error(fenced)). In a cluster
  // the stream's key must be in the lock's slot.
  std::optional<Fence> fence{};
};

// Drives like a MessageStream (publish(), send(), finish(), the honest
// counts); Acknowledgement::entry_id is the entry's ID. A refused entry
// (an ID not above the stream's last, WRONGTYPE) makes it throw the
// server's words, after the entries pipelined ahead of it are counted.
// After a failure it cannot mend (an error reply, reconnecting given up
// or disabled) it keeps throwing. Blocks on its link's waits (writing,
// replies, reconnecting), which the wake fd ends: a wake while
// reconnecting throws Error(unavailable).
// retain() is refused (Error(usage)): a stream keeps every message.
class STATESYNC_API StreamWriter final : public MessageStream {
public:
  // Does not connect: the first entry does.
  StreamWriter(const Endpoint& endpoint, std::string client_name, StreamWriterOptions options, OnAck on_ack);
  StreamWriter(const StreamWriter&) = delete;
  StreamWriter& operator=(const StreamWriter&) = delete;
  ~StreamWriter() override;

  // Adds `payload` to the stream `key`.
  void publish(std::string_view key, std::string_view payload) override;
  void retain(std::string_view key, std::string_view payload, std::chrono::milliseconds ttl = {}) override;
  void send() override;
  void finish() override;
  std::uint64_t sent() const noexcept override;
  std::uint64_t acknowledged() const noexcept override;

  // While any wait is under way, `fd` becoming readable ends it early
  // (see Link::set_wake_fd).
  void set_wake_fd(int fd) noexcept;
  // Called after each reconnection, before the entries not confirmed are
  // added again, with where the writer is connected now.
  void on_reconnect(std::function<void(const std::string& where)> callback);

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
