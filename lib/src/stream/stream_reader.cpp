// The stream reader: per server one read in flight (XREAD, or XREADGROUP
// with the acknowledgements pipelined ahead of it), entries queued and
// handed out one by one, each stream going on after the last ID read, and
// reconnecting with backoff when a server is lost.

#include "connection/first_connection.hpp"
#include "events/connection_watch.hpp"
#include "events/reader_gap.hpp"
#include "stream/stream_group.hpp"
#include "stream/stream_link.hpp"
#include "stream/stream_reply.hpp"

#include "topology/failover.hpp"
#include <statesync/error.hpp>
#include <statesync/stream_reader.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <deque>

namespace statesync {
namespace {

using namespace std::chrono_literals;

// How long a read blocks on the server: the longest silence after which
// a lost server is noticed (with the reply timeout) and claims are due. A
// blocked connection cannot be pinged: its read is its keepalive, so it
// must end within the keepalive interval.
constexpr std::chrono::milliseconds longest_block{1000};
static_assert(longest_block <= detail::reader_keepalive);

// A reply a server's connection owes, in the order the commands went out:
// an XACK's (for `count` entries of stream `stream`) or a read's.
struct Owed {
  enum class Kind { ack, read } kind;
  std::size_t stream = 0;
  std::size_t count = 0;
};

} // namespace

const std::string* StreamEntry::field(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) {
      return &value;
    }
  }
  return nullptr;
}

struct StreamReader::Impl {
  struct Stream {
    std::string key;
    StreamId position; // the last entry read: reading goes on after it
    std::optional<StreamId> end;
    bool done = false;
    bool own_pending = false; // group: still re-reading its own pending entries
    StreamId claim_cursor;
    std::vector<StreamId> unsent_acks;
    std::vector<StreamId> sent_acks; // sent, reply not read yet
  };
  struct Server {
    std::size_t index = 0;
    std::vector<std::size_t> streams;
    std::deque<Owed> owed; // on its connection, in order
    bool reading = false;  // a read is owed
    bool blocking = false;
    std::vector<std::size_t> read_streams; // what the read in flight asked for
    Clock::time_point next_claim;
    // flush() while a blocking read is in flight: the acknowledgements go
    // here, as behind the read they would wait for its end.
    std::optional<Connection> aside;

    bool owes_ack() const {
      return std::any_of(owed.begin(), owed.end(), [](const Owed& o) { return o.kind == Owed::Kind::ack; });
    }
  };

  StreamReaderOptions options;
  detail::StreamLink link;
  std::vector<Stream> streams;
  std::vector<Server> servers;
  // Events read, handed out from `ready_head` on: a vector reused from
  // batch to batch, so that a million entries cost no allocation of their
  // own beyond their fields.
  std::vector<StreamEvent> ready;
  std::size_t ready_head = 0;
  bool connected = false;
  bool set_up = false;          // the streams' starting points found (the first connection made)
  std::optional<Error> lost_by; // while not connected: what was lost
  int wake_fd = -1;
  // Each server's connection, numbered as `servers`; a read in flight is
  // its own keepalive (block_time()).
  detail::ConnectionWatch events{std::nullopt};

  explicit Impl(StreamReaderOptions reader_options)
      : options(std::move(reader_options)),
        link(LinkOptions{options.endpoint, options.client_name, options.reconnect, 5}) {
    if (options.keys.empty()) {
      throw Error(ErrorKind::usage, "no stream to read");
    }
    if (options.group && (options.until || !options.resume.empty())) {
      throw Error(ErrorKind::usage, "a consumer group keeps its own place: no end ID or resume point with it");
    }
    options.batch = std::max<std::size_t>(options.batch, 1);
    for (const auto& key : options.keys) {
      if (std::none_of(streams.begin(), streams.end(), [&](const Stream& s) { return s.key == key; })) {
        Stream& stream = streams.emplace_back();
        stream.key = key;
      }
    }
    try {
      connect(true);
    } catch (const Error& error) {
      if (!detail::first_connection_waits(options.reconnect, error)) {
        throw;
      }
      // A server not up yet: tried again as a lost connection is.
      lost(error, StreamEvent::Type::not_connected);
    }
    // Set up again as part of reconnecting: a server that takes the
    // connection but not the set-up is one more failed attempt, within the
    // same give-up time (the link's own clock, from the loss). After a
    // first connection that waited, the set-up is the first one.
    link.on_reconnect([this] {
      try {
        connect(!set_up);
      } catch (const Error& error) {
        throw detail::as_failed_attempt(error);
      }
    });
  }

  std::size_t stream_index(std::string_view key) const {
    for (std::size_t i = 0; i < streams.size(); ++i) {
      if (streams[i].key == key) {
        return i;
      }
    }
    throw Error(ErrorKind::protocol, fmt::format("a reply names stream '{}', which was not asked for", key));
  }

  bool finished() const {
    return std::all_of(streams.begin(), streams.end(), [](const Stream& s) { return s.done; });
  }

  // Where each stream's server is now, connected; then the streams set up.
  void connect(bool first) {
    events.clear();
    servers.clear();
    for (std::size_t i = 0; i < streams.size(); ++i) {
      const std::size_t index = link.server_for(streams[i].key);
      auto server = std::find_if(servers.begin(), servers.end(), [&](const Server& s) { return s.index == index; });
      if (server == servers.end()) {
        servers.emplace_back().index = index;
        server = servers.end() - 1;
      }
      server->streams.push_back(i);
    }
    for (Server& server : servers) {
      Connection& connection = link.connection(server.index);
      for (const std::size_t i : server.streams) {
        options.group ? set_up_group(connection, streams[i], first) : set_up_plain(connection, streams[i], first);
      }
    }
    for (Server& server : servers) {
      events.add(link.connection(server.index));
    }
    connected = true;
    set_up = true;
  }

  // Checks the key's type and, the first time, finds where to start and end.
  void set_up_plain(Connection& connection, Stream& stream, bool first) {
    const std::uint64_t look_back = options.from.kind == StreamStart::Kind::last ? options.from.count : 1;
    Reply reply = connection.command({"XREVRANGE", stream.key, "+", "-", "COUNT", std::to_string(look_back)});
    detail::throw_if_error(connection, fmt::format("cannot read stream '{}'", stream.key), reply);
    if (!first) {
      return;
    }
    const auto newest_first = detail::parse_entries(connection, stream.key, reply);
    const StreamId last = newest_first.empty() ? StreamId{} : newest_first.front().entry.id;
    if (const auto resume = options.resume.find(stream.key); resume != options.resume.end()) {
      stream.position = resume->second;
    } else if (options.from.kind == StreamStart::Kind::new_entries) {
      stream.position = last;
    } else if (options.from.kind == StreamStart::Kind::last) {
      stream.position = newest_first.empty() ? StreamId{} : newest_first.back().entry.id.previous();
    } else {
      stream.position = options.from.id;
    }
    if (options.stop_at_end) {
      stream.end = last;
    }
    if (options.until) {
      stream.end = stream.end ? std::min(*stream.end, *options.until) : *options.until;
    }
    stream.done = stream.end && stream.position >= *stream.end;
  }

  // Creates the group if needed; the consumer's own pending entries are
  // read again first (after a reconnect too: a lost reply's entries are
  // pending to it), those delivered too often moved away.
  void set_up_group(Connection& connection, Stream& stream, bool first) {
    const StreamGroupOptions& group = *options.group;
    detail::create_group(connection, stream.key, group);
    stream.own_pending = true;
    stream.position = {};
    if (first && group.max_deliveries) {
      StreamId cursor;
      do {
        for (const auto& moved :
             detail::dead_letter_batch(connection, stream.key, group, false, cursor, options.batch).moved) {
          dead_lettered(stream, moved);
        }
      } while (cursor != StreamId());
    }
  }

  void dead_lettered(const Stream& stream, const detail::PendingEntry& pending) {
    StreamEvent event{StreamEvent::Type::dead_lettered, {}, {}};
    event.entry.stream = stream.key;
    event.entry.id = pending.id;
    event.detail = fmt::format("entry {} of '{}' delivered {} times: moved to '{}'", pending.id.str(), stream.key,
                               pending.deliveries, options.group->dead_letter);
    ready.push_back(std::move(event));
  }

  std::optional<StreamEvent> next(std::optional<Clock::time_point> deadline) {
    for (;;) {
      if (auto event = poll()) {
        return event;
      }
      if (finished()) {
        return std::nullopt;
      }
      if (!connected) {
        if (!reconnect(deadline)) {
          return std::nullopt;
        }
        continue;
      }
      try {
        claim_if_due();
        if (!nothing_ready()) {
          continue;
        }
        start_reads();
        if (!wait_for_replies(deadline)) {
          return std::nullopt;
        }
      } catch (const Error& error) {
        lost(error);
      }
    }
  }

  bool nothing_ready() const { return ready_head == ready.size(); }

  void poll_all(std::vector<StreamEvent>& into) {
    if (into.empty() && ready_head == 0) {
      std::swap(into, ready);
    } else {
      std::move(ready.begin() + static_cast<std::ptrdiff_t>(ready_head), ready.end(), std::back_inserter(into));
    }
    ready.clear();
    ready_head = 0;
  }

  std::optional<StreamEvent> poll() {
    if (nothing_ready()) {
      return std::nullopt;
    }
    std::optional<StreamEvent> event = std::move(ready[ready_head++]);
    if (nothing_ready()) {
      ready.clear();
      ready_head = 0;
    }
    return event;
  }

  // XACKs for what `server`'s streams handled, appended to `connection`;
  // the replies they owe added to `owed`.
  void append_acks(Connection& connection, Server& server, std::deque<Owed>& owed) {
    for (const std::size_t i : server.streams) {
      Stream& stream = streams[i];
      if (stream.unsent_acks.empty()) {
        continue;
      }
      std::vector<std::string> ids;
      ids.reserve(stream.unsent_acks.size());
      for (const StreamId& id : stream.unsent_acks) {
        ids.push_back(id.str());
      }
      std::vector<std::string_view> args = {"XACK", stream.key, options.group->name};
      args.insert(args.end(), ids.begin(), ids.end());
      connection.append(args);
      owed.push_back({Owed::Kind::ack, i, stream.unsent_acks.size()});
      stream.sent_acks.insert(stream.sent_acks.end(), stream.unsent_acks.begin(), stream.unsent_acks.end());
      stream.unsent_acks.clear();
    }
  }

  void start_reads() {
    for (Server& server : servers) {
      if (server.reading) {
        continue;
      }
      server.read_streams.clear();
      for (const std::size_t i : server.streams) {
        if (!streams[i].done) {
          server.read_streams.push_back(i);
        }
      }
      if (server.read_streams.empty()) {
        continue;
      }
      Connection& connection = link.connection(server.index);
      const std::string count = std::to_string(options.batch);
      bool history = false;
      for (const std::size_t i : server.read_streams) {
        history = history || streams[i].own_pending;
      }
      server.blocking = !options.stop_at_end && !history;
      const std::string block = std::to_string(block_time().count());
      std::vector<std::string> positions;
      std::vector<std::string_view> args;
      if (options.group) {
        append_acks(connection, server, server.owed);
        args = {"XREADGROUP", "GROUP", options.group->name, options.group->consumer, "COUNT", count};
      } else {
        args = {"XREAD", "COUNT", count};
      }
      if (server.blocking) {
        args.insert(args.end(), {"BLOCK", block});
      }
      args.push_back("STREAMS");
      for (const std::size_t i : server.read_streams) {
        args.push_back(streams[i].key);
        const bool new_ones = options.group && !streams[i].own_pending;
        positions.push_back(new_ones ? ">" : streams[i].position.str());
      }
      args.insert(args.end(), positions.begin(), positions.end());
      connection.append(args);
      connection.flush();
      server.owed.push_back({Owed::Kind::read});
      server.reading = true;
      events.awaiting(static_cast<std::size_t>(&server - servers.data()),
                      server.blocking ? block_time() : std::chrono::milliseconds{0});
    }
  }

  std::chrono::milliseconds block_time() const {
    if (options.group && options.group->claim_idle) {
      return std::clamp(*options.group->claim_idle / 2, 10ms, longest_block);
    }
    return longest_block;
  }

  // Reads what has come. False when the deadline passed or the wake fd
  // woke it first. Throws Error for a gap on any server (ConnectionWatch).
  bool wait_for_replies(std::optional<Clock::time_point> deadline) {
    if (take_buffered()) {
      return true;
    }
    if (std::none_of(servers.begin(), servers.end(), [](const Server& s) { return !s.owed.empty(); })) {
      return true; // every stream has ended
    }
    auto received = events.next(deadline, wake_fd);
    if (!received) {
      return false;
    }
    take_reply(servers[received->from], std::move(received->reply));
    take_buffered();
    return true;
  }

  bool take_buffered() {
    bool any = false;
    while (auto received = events.buffered()) {
      take_reply(servers[received->from], std::move(received->reply));
      any = true;
    }
    return any;
  }

  // One reply of `server`'s connection: the first it owes.
  void take_reply(Server& server, Reply&& reply) {
    Connection& connection = link.connection(server.index);
    if (server.owed.empty()) {
      throw Error(ErrorKind::protocol,
                  fmt::format("unexpected reply from {}: {}", connection.where(), reply.describe()));
    }
    const Owed owed = server.owed.front();
    server.owed.pop_front();
    if (owed.kind == Owed::Kind::ack) {
      take_ack(connection, owed, reply);
      return;
    }
    server.reading = false;
    std::vector<std::size_t> counts(streams.size(), 0);
    detail::for_each_stream_entry(connection, reply,
                                  [&](std::string_view key, const StreamId& id, std::vector<Reply>* fields) {
                                    const std::size_t i = stream_index(key);
                                    ++counts[i];
                                    if (admit(streams[i], id, fields == nullptr)) {
                                      StreamEvent& event = ready.emplace_back();
                                      event.entry.stream = streams[i].key;
                                      event.entry.id = id;
                                      detail::move_fields(*fields, event.entry);
                                    }
                                  });
    for (const std::size_t i : server.read_streams) {
      Stream& stream = streams[i];
      if (counts[i] >= options.batch) {
        continue;
      }
      // A short read: the stream has nothing more right now.
      if (stream.own_pending) {
        stream.own_pending = false;
      } else if (options.stop_at_end && !server.blocking) {
        stream.done = true; // its end was trimmed away, or a group has caught up
      }
    }
  }

  void take_ack(const Connection& connection, const Owed& owed, const Reply& reply) {
    detail::throw_if_error(connection, fmt::format("cannot acknowledge entries of '{}'", streams[owed.stream].key),
                           reply);
    auto& sent = streams[owed.stream].sent_acks;
    sent.erase(sent.begin(), sent.begin() + static_cast<std::ptrdiff_t>(std::min(owed.count, sent.size())));
  }

  // Whether entry `id` of `stream` is to be handed out; the stream's
  // position and end move on. An entry deleted since it was delivered is
  // not (a group acknowledges it: nothing to handle).
  bool admit(Stream& stream, const StreamId& id, bool deleted) {
    if (stream.done) {
      return false;
    }
    if (stream.end && id > *stream.end) {
      stream.done = true;
      return false;
    }
    if (!options.group || stream.own_pending) {
      stream.position = id;
    }
    if (stream.end && stream.position >= *stream.end) {
      stream.done = true;
    }
    if (deleted && options.group) {
      stream.unsent_acks.push_back(id);
    }
    return !deleted;
  }

  // Group with claim_idle: on each server not reading, when due, entries
  // delivered too often go to the dead-letter stream and the rest of what
  // idle consumers hold is claimed.
  void claim_if_due() {
    if (!options.group || !options.group->claim_idle) {
      return;
    }
    const auto now = Clock::now();
    for (Server& server : servers) {
      if (server.reading || now < server.next_claim) {
        continue;
      }
      server.next_claim = now + block_time();
      Connection& connection = link.connection(server.index);
      send_acks(server); // what this consumer handled must not be claimed back
      for (const std::size_t i : server.streams) {
        Stream& stream = streams[i];
        std::vector<detail::ReadEntry> claimed;
        if (options.group->max_deliveries) {
          auto batch = detail::dead_letter_batch(connection, stream.key, *options.group, true, stream.claim_cursor,
                                                 options.batch);
          for (const auto& moved : batch.moved) {
            dead_lettered(stream, moved);
          }
          claimed = std::move(batch.claimed);
        } else {
          claimed = detail::claim_idle(connection, stream.key, *options.group, stream.claim_cursor, options.batch);
        }
        for (auto& read : claimed) {
          if (admit(stream, read.entry.id, read.deleted)) {
            ready.push_back({StreamEvent::Type::entry, std::move(read.entry), {}});
          }
        }
      }
    }
  }

  // Sends `server`'s acknowledgements and waits for their replies. While
  // a blocking read is in flight they go on a connection aside: behind the
  // read they would wait for its end.
  void send_acks(Server& server) {
    if (server.reading && server.blocking) {
      const bool unsent = std::any_of(server.streams.begin(), server.streams.end(),
                                      [&](std::size_t i) { return !streams[i].unsent_acks.empty(); });
      if (unsent) {
        send_acks_aside(server);
      }
      return;
    }
    Connection& connection = link.connection(server.index);
    append_acks(connection, server, server.owed);
    connection.flush();
    while (server.owes_ack()) {
      take_reply(server, connection.read_reply());
    }
  }

  void send_acks_aside(Server& server) {
    if (!server.aside) {
      const Connection& main = link.connection(server.index);
      server.aside.emplace(main.open_sibling(main.endpoint()));
    }
    std::deque<Owed> owed;
    append_acks(*server.aside, server, owed);
    server.aside->flush();
    for (; !owed.empty(); owed.pop_front()) {
      take_ack(*server.aside, owed.front(), server.aside->read_reply());
    }
  }

  void acknowledge(const StreamEntry& entry) { streams[stream_index(entry.stream)].unsent_acks.push_back(entry.id); }

  void flush() {
    if (!connected) {
      return;
    }
    try {
      for (Server& server : servers) {
        send_acks(server);
      }
    } catch (const Error& error) {
      lost(error);
      throw;
    }
  }

  // A lost server: the reads in flight and the acknowledgements not
  // confirmed are started over after reconnecting. Throws what cannot be
  // mended by reconnecting.
  void lost(const Error& error, StreamEvent::Type told_as = StreamEvent::Type::connection_lost) {
    if (error.kind() != ErrorKind::unavailable && !detail::is_reader_gap(error)) {
      throw error;
    }
    for (Stream& stream : streams) {
      stream.sent_acks.insert(stream.sent_acks.end(), stream.unsent_acks.begin(), stream.unsent_acks.end());
      stream.unsent_acks = std::move(stream.sent_acks);
      stream.sent_acks.clear();
    }
    events.clear();
    servers.clear();
    connected = false;
    if (!lost_by) {
      ready.push_back({told_as, {}, error.what()});
    }
    lost_by = detail::as_failed_attempt(error); // what the link reconnects from
  }

  // Reconnects and sets the streams up again (the link waits its backoff,
  // and throws when it gives up or reconnecting is disabled: the reader's
  // end, never a gap to start over). False when the wake fd ended a wait
  // or `deadline` came.
  bool reconnect(std::optional<Clock::time_point> deadline) {
    if (!link.recover(*lost_by, deadline)) {
      return false;
    }
    lost_by.reset();
    ready.push_back({StreamEvent::Type::reconnected, {}, link.where()});
    return true;
  }
};

StreamReader::StreamReader(StreamReaderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
StreamReader::StreamReader(StreamReader&&) noexcept = default;
StreamReader& StreamReader::operator=(StreamReader&&) noexcept = default;
StreamReader::~StreamReader() = default;

std::optional<StreamEvent> StreamReader::next(std::optional<Clock::time_point> deadline) {
  return impl_->next(deadline);
}

std::optional<StreamEvent> StreamReader::poll() {
  return impl_->poll();
}

void StreamReader::poll_all(std::vector<StreamEvent>& into) {
  impl_->poll_all(into);
}

bool StreamReader::finished() const noexcept {
  return impl_->finished() && impl_->nothing_ready();
}

void StreamReader::acknowledge(const StreamEntry& entry) {
  impl_->acknowledge(entry);
}

void StreamReader::flush() {
  impl_->flush();
}

void StreamReader::set_wake_fd(int fd) noexcept {
  impl_->wake_fd = fd;
  impl_->link.set_wake_fd(fd);
}

void StreamReader::close() noexcept {
  try {
    impl_->flush();
  } catch (const Error&) {
    // Unacknowledged entries stay pending: read again at the next start.
  }
  impl_->events.clear();
  for (auto& server : impl_->servers) {
    server.aside.reset();
  }
  impl_->link.reset();
}

} // namespace statesync
