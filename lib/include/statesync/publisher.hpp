#pragma once
// Publishing to channels: one message, a retained message (the message
// becomes the channel's current state as well, see retained.hpp), clearing
// that state, and a pipelined stream of messages whose memory stays bounded
// whatever its length.

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/export.hpp>
#include <statesync/retained.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace statesync {

struct STATESYNC_API PublisherOptions {
  std::string key_prefix{default_key_prefix}; // where retained state is kept
  bool sharded = false;                       // SPUBLISH (Redis 7 sharded pub/sub) instead of PUBLISH
};

// What the server said about one retained publish.
struct STATESYNC_API Retained {
  long long receivers = 0;
  long long version = 0; // the state's new version: 1, 2, 3 ...
};

struct STATESYNC_API Cleared {
  long long receivers = 0; // of the empty message that announces it
  bool existed = false;    // whether there was retained state to delete
};

// Publishes over a connection it borrows. Every call throws Error: the
// server's error reply classified (NOPERM: refused), or the connection's
// failure (unavailable).
class STATESYNC_API Publisher {
public:
  explicit Publisher(Connection& connection, PublisherOptions options = {});

  // Returns how many subscribers received the message.
  long long publish(std::string_view channel, std::string_view payload);

  // Stores the payload as the channel's state (expiring after `ttl` when
  // it is not zero; a retain without TTL makes the state permanent again),
  // increments its version and publishes it, all in one atomic script.
  Retained retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {});

  // Deletes the channel's state and publishes an empty message on the
  // channel, atomically, so subscribers learn that the state is gone.
  Cleared clear(std::string_view channel);

  const PublisherOptions& options() const noexcept { return options_; }
  Connection& connection() noexcept { return connection_; }

private:
  Connection& connection_;
  PublisherOptions options_;
};

// One acknowledged message of a stream.
struct STATESYNC_API Acknowledgement {
  std::uint64_t message = 0; // 1, 2, 3 ...: its place in the stream
  long long receivers = 0;
  long long version = 0; // retained messages: the state's new version; else 0
  std::string entry_id;  // a stream entry's ID (stream_writer.hpp); else empty
};

// How much a stream keeps in flight: commands sent but not yet
// acknowledged, and bytes encoded but not yet written.
struct STATESYNC_API StreamWindow {
  std::size_t commands = 4096;
  std::size_t bytes = std::size_t{1} << 20;
  // Keep a copy of each message until it is acknowledged, so that after a
  // failover resume() can send the unacknowledged ones again (Sentinel,
  // cluster). Off by default: it copies every message.
  bool resumable = false;
};

// A message of a stream as given: kept by a resumable stream until it is
// acknowledged.
struct STATESYNC_API PendingMessage {
  bool retained = false;
  std::string channel, payload;
  std::chrono::milliseconds ttl{0}; // retained only
};

// What a publishing tool drives: one server's PublishStream, or a
// cluster's ClusterPublishStream (cluster_stream.hpp), which keeps one per
// node.
class STATESYNC_API MessageStream {
public:
  using OnAck = std::function<void(const Acknowledgement&)>;

  virtual ~MessageStream() = default;

  virtual void publish(std::string_view channel, std::string_view payload) = 0;
  virtual void retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {}) = 0;

  // Writes out what is buffered and takes the acknowledgements already
  // received, without waiting for more: call it before waiting for input.
  virtual void send() = 0;
  // Writes out everything and waits for every acknowledgement.
  virtual void finish() = 0;

  // Messages given to publish() and retain(), and those the servers
  // confirmed: after a failure, the honest count of what was published.
  virtual std::uint64_t sent() const noexcept = 0;
  virtual std::uint64_t acknowledged() const noexcept = 0;
};

// Many messages pipelined: commands go out without waiting for each reply,
// but never more than the window's worth, so memory stays flat for any
// number of messages. Each acknowledgement is reported to `on_ack` in
// order. After a failure (an error reply, a lost connection) the stream
// throws, and keeps throwing; acknowledged() is then the honest count of
// messages the server confirmed.
class STATESYNC_API PublishStream final : public MessageStream {
public:
  PublishStream(Publisher& publisher, OnAck on_ack, StreamWindow window = {});

  void publish(std::string_view channel, std::string_view payload) override;
  void retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {}) override;
  void send() override;
  void finish() override;

  // After a failure that suggests a failover (see failover.hpp), once the
  // caller has replaced the publisher's connection by one to the new master
  // or owner: sends again, in order, every message that was not
  // acknowledged, and goes on. Those may have reached subscribers already
  // (the old master published them but its reply was lost): at least once.
  // Throws Error(usage) unless the window is resumable.
  void resume();

  // After a failure, instead of resume(): the messages not acknowledged,
  // in order, for the caller to send elsewhere (a cluster whose slots
  // moved). The stream is then empty and failed for good.
  std::deque<PendingMessage> take_unacknowledged();

  std::uint64_t sent() const noexcept override { return sent_; }
  std::uint64_t acknowledged() const noexcept override { return acknowledged_; }

private:
  void after_append();
  void flush();
  void take(std::size_t keep_in_flight);
  void take_reply(Reply reply);
  void take_ready();
  // A resumable stream's copy, sent where an ASK reply says.
  Reply ask(const Reply& reply, const PendingMessage& copy);
  void send_command(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl);
  void fail_if_failed();
  [[noreturn]] void fail(const Error& error);

  Publisher& publisher_;
  OnAck on_ack_;
  StreamWindow window_;
  // The first command, and the first after resume(), goes alone and is
  // answered before anything is pipelined: a cluster node's MOVED is then
  // followed (the connection replaced) with nothing in flight, and the
  // retain script is known to be cached for the EVALSHAs behind it.
  bool send_next_alone_ = true;
  std::uint64_t sent_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t failed_ = 0;                  // error replies taken
  std::deque<bool> in_flight_;                // per command sent: retained or not
  std::deque<PendingMessage> copies_;         // resumable: per command sent, in order
  std::deque<PendingMessage> unacknowledged_; // resumable: failed, to send again
  std::optional<Connection> asked_;           // resumable: the node an ASK names, while a slot migrates
  std::optional<Error> error_;
};

} // namespace statesync
