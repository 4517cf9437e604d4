#pragma once
// Publishing to channels: one message, a retained message (the message
// becomes the channel's current state as well, see retained.hpp), clearing
// that state, and a pipelined stream of messages whose memory stays bounded
// whatever its length.

#include <statesync/connection.hpp>
#include <statesync/error.hpp>
#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/retained.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace statesync {

// A fenced writer: its writes are made only while no newer holder has
// taken the lock since it got `token` (the lock's fencing counter is not
// above it), checked and written in one script on the server, so that a
// holder paused past its lease cannot overwrite its successor's result.
// A refused write throws Error(fenced), naming both tokens. In a cluster
// the written key (the retained state, a sharded channel) must be in the
// lock's slot: give it the lock's hash tag, {NAME}; else Error(usage). A
// plain channel's publish runs on the lock's node.
struct STATESYNC_API Fence {
  std::string lock{};                    // the lock's name (STATESYNC_LOCK_NAME)
  long long token = 0;                   // the writer's fencing token (STATESYNC_LOCK_TOKEN)
  std::string lock_prefix{"statesync:"}; // the lock's key prefix (statesync-lock --key-prefix)
};

// How a Publisher or a RecordStream publishes.
struct STATESYNC_API PublisherOptions {
  std::string key_prefix{default_key_prefix}; // where retained state is kept
  bool sharded = false;                       // SPUBLISH (Redis 7 sharded pub/sub) instead of PUBLISH
  std::optional<Fence> fence{};               // Publisher's calls only (a RecordStream refuses it): see Fence
};

// What the server said about one retained publish.
struct STATESYNC_API Retained {
  long long receivers = 0; // subscribers that received the message
  long long version = 0;   // the state's new version: 1, 2, 3 ...
};

// What the server said about one clear.
struct STATESYNC_API Cleared {
  long long receivers = 0; // of the empty message that announces it
  bool existed = false;    // whether there was retained state to delete
};

// Publishes over a link it borrows (the link must outlive it): each call
// goes to the server for its key (in a cluster the owner of the channel's
// slot, or of the retained state key's), cluster redirections followed.
// One-shot calls fail fast: a lost connection is thrown, not waited out.
// Every call blocks until the server answers (at most the reply timeout;
// connecting first when the link is not connected) and throws Error: the
// server's error reply classified (NOPERM: refused), or the link's failure
// (unavailable). Threads: as its link, one thread at a time.
class STATESYNC_API Publisher {
public:
  // Publishes over `link` (no I/O here: the first call connects). Throws
  // Error(usage) for a fence with a sharded channel's options that cannot fit.
  explicit Publisher(Link& link, PublisherOptions options = {});
  // A copy publishes over the same link, with the same options.
  Publisher(const Publisher& other);
  Publisher& operator=(const Publisher& other);
  Publisher(Publisher&&) noexcept;
  Publisher& operator=(Publisher&&) noexcept;
  ~Publisher();

  // Returns how many subscribers received the message.
  long long publish(std::string_view channel, std::string_view payload);

  // Stores the payload as the channel's state (expiring after `ttl` when
  // it is not zero; a retain without TTL makes the state permanent again),
  // increments its version and publishes it, all in one atomic script.
  Retained retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {});

  // Deletes the channel's state and publishes an empty message on the
  // channel, atomically, so subscribers learn that the state is gone.
  Cleared clear(std::string_view channel);

  // Clears, as clear() does, the state of every channel with a retained
  // state that `pattern` (a glob, as PSUBSCRIBE reads it) matches: found
  // through the index of retained channels (retained.hpp), so not in a
  // cluster (Error usage there). Returns how many states were cleared.
  long long clear_matching(std::string_view pattern);

  const PublisherOptions& options() const noexcept; // what it was made with
  Link& link() noexcept;                            // the link it borrows

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One acknowledged message of a stream.
struct STATESYNC_API Acknowledgement {
  std::uint64_t message = 0; // 1, 2, 3 ...: in the order acknowledgements came
  long long receivers = 0;   // subscribers that received it (0 for a stream entry)
  long long version = 0;     // retained messages: the state's new version; else 0
  std::string entry_id;      // a stream entry's ID (stream_writer.hpp); else empty
};

// How much a stream keeps in flight per server: commands sent but not yet
// acknowledged, and bytes encoded but not yet written.
struct STATESYNC_API StreamWindow {
  std::size_t commands = 4096;              // commands in flight per server, at most
  std::size_t bytes = std::size_t{1} << 20; // bytes encoded and not yet written, at most
  // Above 0: a message counts as acknowledged only once this many
  // replicas have it (a WAIT pipelined behind each half window, waiting at
  // most half the reply timeout or a second). A shortfall, or WAIT
  // refused (a master demoted by a failover), is followed as a failover:
  // what it covered is sent again where the link points next (at least
  // once), within the reconnect policy's give-up time.
  int wait_replicas = 0;
};

// What a publishing program drives, whatever the messages become: a
// RecordStream (channels) or a StreamWriter (stream_writer.hpp, entries).
class STATESYNC_API MessageStream {
public:
  using OnAck = std::function<void(const Acknowledgement&)>; // called once per acknowledged message, in order

  virtual ~MessageStream() = default;

  // publish() and retain() queue a message: they block only when the
  // window is full (until half of it is acknowledged) and throw Error as
  // described at the stream type.
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

// A stream of records: many messages pipelined, commands going out without
// waiting for each reply but never more than the window's worth per
// server, so memory stays flat for any number of messages. In a cluster
// each message goes to its slot's owner (a sharded channel's, a retained
// state key's, a plain channel's too, which spreads the load), over one
// pipeline per node: each channel's messages keep their order.
//
// It heals as its link does: after a lost connection (when the link's
// policy reconnects), a Sentinel failover, a cluster node's failover or a
// moved slot, the link connects again and every message not acknowledged
// is sent again, in order, to where it belongs now. Those may have reached
// subscribers already (the old server published them but its reply was
// lost): at least once. To do so the stream keeps a copy of each message
// until it is acknowledged, unless the link cannot reconnect (one server,
// reconnecting disabled).
//
// Each acknowledgement is reported to `on_ack`. After a failure it cannot
// mend (an error reply, the link giving up) the stream throws, and keeps
// throwing; acknowledged() is then the honest count of messages the
// servers confirmed. Blocks on the link's waits (writing, replies,
// reconnecting), which its wake fd ends: a wake while reconnecting throws
// Error(unavailable). Threads: as its link, one thread at a time; on_ack
// runs on the calling thread, inside publish(), retain(), send() or
// finish().
class STATESYNC_API RecordStream final : public MessageStream {
public:
  // `link` must outlive the stream. In a cluster the slot map is read at
  // once: a stream that waits for its input learns at once that the
  // cluster cannot be reached.
  RecordStream(Link& link, PublisherOptions options, OnAck on_ack, StreamWindow window = {});
  RecordStream(const RecordStream&) = delete;
  RecordStream& operator=(const RecordStream&) = delete;
  ~RecordStream() override;

  void publish(std::string_view channel, std::string_view payload) override;
  void retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl = {}) override;
  void send() override;
  void finish() override;
  std::uint64_t sent() const noexcept override;
  std::uint64_t acknowledged() const noexcept override;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
