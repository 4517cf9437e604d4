#pragma once
// Reading Redis Streams: one or more stream keys from a start point (new
// entries, the beginning, an ID, the last N, a time), up to an end or for
// ever, across reconnects without a gap (each stream goes on after the
// last ID handed out). Or, with a consumer group, as one worker among
// several: entries handed out are acknowledged (XACK) only when the caller
// says it has handled them; a worker first re-reads its own pending
// entries, can claim those that dead workers left pending (XAUTOCLAIM),
// and moves an entry delivered too often to a dead-letter stream.
//
// Entries are handed out one at a time through next(deadline) (a pull
// interface, like Subscriber's); they are read in batches.
//
// Example: examples/stream_tail.cpp.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/stream_id.hpp>
#include <statesync/subscriber.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace statesync {

// Reading as a consumer group's worker.
struct STATESYNC_API StreamGroupOptions {
  std::string name;     // the group (created when missing)
  std::string consumer; // this worker's name in it
  // Where the group starts when this reader creates it (with MKSTREAM):
  // "$" (new entries), "0" (all) or an ID.
  std::string start{"$"};
  // Claim entries left pending this long by other consumers (XAUTOCLAIM).
  std::optional<std::chrono::milliseconds> claim_idle;
  // An entry found pending after this many deliveries goes to
  // `dead_letter` (XADD there and XACK here, in one script) instead of
  // being handed out again. In a cluster the dead-letter key must share
  // the stream's slot (a {hash tag}).
  std::optional<std::uint64_t> max_deliveries;
  std::string dead_letter; // the dead-letter stream's key
};

// What a StreamReader reads, and where.
struct STATESYNC_API StreamReaderOptions {
  Endpoint endpoint;             // where the streams are
  std::string client_name;       // CLIENT SETNAME on each connection
  std::vector<std::string> keys; // the stream keys
  StreamStart from;              // where each stream starts
  // Per stream key: the last entry handled before (a resume point); the
  // stream starts after it, whatever `from` says.
  std::map<std::string, StreamId> resume;
  // The last entry wanted: entries after it end that stream.
  std::optional<StreamId> until;
  // End each stream at its last entry as it was when the reader started.
  bool stop_at_end = false;
  std::size_t batch = 1000;                // entries per read
  std::optional<StreamGroupOptions> group; // read as a consumer group's worker; nullopt: plain reads
  ReconnectPolicy reconnect;               // how a lost connection is got back
};

// One entry of a stream.
struct STATESYNC_API StreamEntry {
  std::string stream;                                      // its stream's key
  StreamId id;                                             // its ID
  std::vector<std::pair<std::string, std::string>> fields; // in order, binary-safe

  // The first field so named, or nullptr.
  const std::string* field(std::string_view name) const;
};

// What StreamReader::next() hands out: an entry, or news of the connection.
struct STATESYNC_API StreamEvent {
  // Which kind of event.
  enum class Type {
    entry,           // `entry` is set
    connection_lost, // `detail` says why; reconnecting follows (unless disabled)
    not_connected,   // the first connection failed (`detail` says why); tried again until the give-up time
    reconnected,     // `detail` says where; each stream goes on after its last ID (after `not_connected`: connected)
    dead_lettered,   // `entry` (its stream and ID) went to the dead-letter stream; `detail` says so
  };
  Type type = Type::entry; // which kind
  StreamEntry entry;       // entry, dead_lettered
  std::string detail;
};

// Reads streams (this file's description says how). It makes a link of its
// own from its options. Blocks only in its constructor, next() and flush();
// throws Error as each call says. Threads: one thread at a time;
// set_wake_fd() is how another thread (or a signal handler) ends a wait.
class STATESYNC_API StreamReader {
public:
  // Connects, checks every key (a key of another type: Error(server) with
  // WRONGTYPE), creates the group if needed and resolves the start points,
  // all before anything is read or acknowledged. Throws Error like a
  // connection; Error(usage) for options that do not fit together.
  explicit StreamReader(StreamReaderOptions options);
  // Movable (a moved-from one may only be destroyed or assigned to).
  StreamReader(StreamReader&&) noexcept;
  StreamReader& operator=(StreamReader&&) noexcept;
  ~StreamReader();

  // The next event, waiting until `deadline` (nullopt: no limit). Nothing
  // when the deadline passes, the wait is interrupted (the wake fd), or
  // every stream has ended (finished()). Throws Error when the connection
  // is lost and reconnecting is disabled or gave up, or for what
  // reconnecting cannot mend.
  std::optional<StreamEvent> next(std::optional<Clock::time_point> deadline);
  // An event already read, without waiting.
  std::optional<StreamEvent> poll();
  // Every event already read, without waiting, appended to `into`: what
  // poll() would give one by one, for the cost of one call (into an empty
  // vector the events are not even moved; its capacity is reused).
  void poll_all(std::vector<StreamEvent>& into);

  // Every stream has reached its end (stop_at_end, until).
  bool finished() const noexcept;

  // Group only: the entry was handled. Acknowledgements are sent with the
  // next read, or by flush().
  void acknowledge(const StreamEntry& entry);
  // Sends the acknowledgements not sent yet and waits for their replies.
  void flush();

  // While waiting in next(), `fd` becoming readable ends the wait early.
  void set_wake_fd(int fd) noexcept;

  // Flushes acknowledgements (errors ignored) and disconnects.
  void close() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
