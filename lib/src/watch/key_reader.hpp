#pragma once
// Reading keys' values, pipelined, whatever their type: GET first (a string,
// or nothing for a key that does not exist: one round trip for the common
// case), then TYPE and the type's own read for the rest. On a tracking
// connection in the default mode, these reads are what makes the server
// track the keys.

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

// One result per key, in order. Throws Error(refused) naming the key when
// the server refuses to let it be read (an ACL), Error for other error
// replies and lost connections.
std::vector<KeyRead> read_keys(Connection& connection, const std::vector<std::string>& keys);

// The value a type's read returned (HGETALL, LRANGE, SMEMBERS, ZRANGE
// WITHSCORES), in the stable order KeyValue promises; nothing when the reply
// is empty (the key went away after TYPE). For messages: `key`.
std::optional<KeyValue> value_of_type(const std::string& type_name, Reply reply, const std::string& key);

} // namespace statesync::detail
