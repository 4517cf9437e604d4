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

// One batch of pending entries from `cursor` on, through dead_letter.lua:
// those delivered `group.max_deliveries` times or more are moved to the
// dead-letter stream (returned), checked and moved in one step. `claim`:
// anyone's entries idle for `group.claim_idle`, the rest of them claimed
// for the consumer (into `claimed`); else the consumer's own, none
// claimed. Advances `cursor` (back to 0-0 after the last batch).
struct PendingBatch {
  std::vector<PendingEntry> moved;
  std::vector<ReadEntry> claimed;
};
PendingBatch dead_letter_batch(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                               bool claim, StreamId& cursor, std::size_t batch);

// XAUTOCLAIM from `cursor` on; advances it (back to 0-0 after the end).
std::vector<ReadEntry> claim_idle(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                                  StreamId& cursor, std::size_t batch);

} // namespace statesync::detail
