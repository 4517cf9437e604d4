#pragma once
// A consumer group's commands, each on the connection to the stream's
// server: creating the group, finding entries delivered too often and
// moving them to the dead-letter stream, claiming what dead consumers
// left pending.

#include "stream/stream_reply.hpp"

#include <statesync/connection.hpp>
#include <statesync/stream_reader.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace statesync::detail {

// XGROUP CREATE ... MKSTREAM; a group that exists already is fine.
void create_group(Connection& connection, const std::string& key, const StreamGroupOptions& group);

struct PendingEntry {
  StreamId id;
  std::uint64_t deliveries = 0;
};

// Pending entries delivered at least `group.max_deliveries` times: of
// `consumer` when given, else of anyone and idle for `group.claim_idle`.
std::vector<PendingEntry> over_delivered(Connection& connection, const std::string& key,
                                         const StreamGroupOptions& group, bool own, std::size_t batch);

// Moves one entry to the dead-letter stream and acknowledges it here.
void move_to_dead_letter(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                         const PendingEntry& pending);

// XAUTOCLAIM from `cursor` on; advances it (back to 0-0 after the end).
std::vector<ReadEntry> claim_idle(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                                  StreamId& cursor, std::size_t batch);

} // namespace statesync::detail
