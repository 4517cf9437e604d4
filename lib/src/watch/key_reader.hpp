#pragma once
// Reading keys' values, pipelined, whatever their type: MGET in batches
// first (strings: one round trip and few commands for the common case),
// then TYPE for the keys that held no string, and the type's own read for
// those. On a tracking connection in the default mode, these reads are
// what makes the server track the keys.

#include <statesync/connection.hpp>
#include <statesync/key_watcher.hpp>

#include <optional>
#include <string>
#include <vector>

namespace statesync::detail {

struct KeyRead {
  std::optional<KeyValue> value; // nothing: the key does not exist
  // The key changed type between two reads: read it again (an
  // invalidation for it is on its way too).
  bool again = false;
};

// One result per key, in order; MGET reads up to `batch` keys (1 where
// keys may be in different slots of a cluster, which MGET refuses).
// Throws Error(refused) naming the key when the server refuses to let it
// be read (an ACL), Error for other error replies and lost connections.
std::vector<KeyRead> read_keys(Connection& connection, const std::vector<std::string>& keys, std::size_t batch);

// The value a type's read returned (HGETALL, LRANGE, SMEMBERS, ZRANGE
// WITHSCORES), in the stable order KeyValue promises; nothing when the reply
// is empty (the key went away after TYPE). For messages: `key`.
std::optional<KeyValue> value_of_type(const std::string& type_name, Reply reply, const std::string& key);

} // namespace statesync::detail
