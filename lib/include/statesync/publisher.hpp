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

// Many messages pipelined: commands go out without waiting for each reply,
// but never more than the window's worth, so memory stays flat for any
// number of messages. Each acknowledgement is reported to `on_ack` in
// order. After a failure (an error reply, a lost connection) the stream
// throws, and keeps throwing; acknowledged() is then the honest count of
// messages the server confirmed.
class STATESYNC_API PublishStream {
public:
  using OnAck = std::function<void(const Acknowledgement&)>;

  PublishStream(Publisher& publisher, OnAck on_ack, StreamWindow window = {});

  void publish(std::string_view channel, std::string_view payload);
  void retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {});

  // Writes out what is buffered and takes the acknowledgements already
  // received, without waiting for more: call it before waiting for input.
  void send();
  // Writes out everything and waits for every acknowledgement.
  void finish();

  // After a failure that suggests a failover (see failover.hpp), once the
  // caller has replaced the publisher's connection by one to the new master
  // or owner: sends again, in order, every message that was not
  // acknowledged, and goes on. Those may have reached subscribers already
  // (the old master published them but its reply was lost): at least once.
  // Throws Error(usage) unless the window is resumable.
  void resume();

  std::uint64_t sent() const noexcept { return sent_; }
  std::uint64_t acknowledged() const noexcept { return acknowledged_; }

private:
  void after_append();
  void flush();
  void take(std::size_t keep_in_flight);
  void take_reply(const Reply& reply);
  void take_ready();
  // A resumable stream's copy of a message, until it is acknowledged.
  struct Copy {
    bool retained = false;
    std::string channel, payload;
    std::chrono::milliseconds ttl{0};
  };
  void send_command(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl);
  void fail_if_failed();
  [[noreturn]] void fail(const Error& error);

  Publisher& publisher_;
  OnAck on_ack_;
  StreamWindow window_;
  bool script_cached_ = false;
  std::uint64_t sent_ = 0;
  std::uint64_t acknowledged_ = 0;
  std::uint64_t failed_ = 0;        // error replies taken
  std::deque<bool> in_flight_;      // per command sent: retained or not
  std::deque<Copy> copies_;         // resumable: per command sent, in order
  std::deque<Copy> unacknowledged_; // resumable: failed, to send again
  std::optional<Error> error_;
};

} // namespace statesync
