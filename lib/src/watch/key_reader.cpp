#include "watch/key_reader.hpp"

#include "util/printable.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace statesync::detail {
namespace {

bool is_wrong_type(const Reply& reply) {
  return reply.is_error() && reply.error_code == ServerError::wrongtype;
}

[[noreturn]] void cannot_read(const std::string& key, const Reply& reply) {
  throw Error(reply, fmt::format("cannot read key '{}'", printable(key)));
}

[[noreturn]] void unexpected(const std::string& key, const Reply& reply) {
  throw Error(ErrorKind::protocol,
              fmt::format("unexpected reply reading key '{}': {}", printable(key), reply.describe()));
}

KeyValue::Type type_of(const std::string& name) {
  if (name == "hash") {
    return KeyValue::Type::hash;
  }
  if (name == "list") {
    return KeyValue::Type::list;
  }
  if (name == "set") {
    return KeyValue::Type::set;
  }
  if (name == "zset") {
    return KeyValue::Type::zset;
  }
  return name == "string" ? KeyValue::Type::string : KeyValue::Type::other;
}

// The command that reads a whole value of this type; none for types
// reported by name only (stream, module types).
std::vector<std::string_view> read_command(KeyValue::Type type, const std::string& key) {
  switch (type) {
  case KeyValue::Type::hash:
    return {"HGETALL", key};
  case KeyValue::Type::list:
    return {"LRANGE", key, "0", "-1"};
  case KeyValue::Type::set:
    return {"SMEMBERS", key};
  case KeyValue::Type::zset:
    return {"ZRANGE", key, "0", "-1", "WITHSCORES"};
  case KeyValue::Type::string:
    return {"GET", key};
  case KeyValue::Type::other:
    break;
  }
  return {};
}

KeyValue string_value(std::string bytes) {
  KeyValue value;
  value.type_name = "string";
  value.bytes = std::move(bytes);
  return value;
}

// The keys at `indices` that held no string: TYPE for each (one
// pipeline), then each type's own read (another).
void read_other_types(Connection& connection, const std::vector<std::string>& keys,
                      const std::vector<std::size_t>& indices, std::vector<KeyRead>& results) {
  if (indices.empty()) {
    return;
  }
  for (const std::size_t i : indices) {
    connection.append({"TYPE", keys[i]});
  }
  connection.flush();
  std::vector<std::string> types;
  for (const std::size_t i : indices) {
    Reply reply = connection.read_reply();
    if (reply.is_error()) {
      cannot_read(keys[i], reply);
    }
    if (reply.type != Reply::Type::status) {
      unexpected(keys[i], reply);
    }
    types.push_back(std::move(reply.str));
  }
  std::vector<std::size_t> read;
  for (std::size_t n = 0; n < indices.size(); ++n) {
    const std::size_t i = indices[n];
    if (types[n] == "none") {
      continue; // missing
    }
    const auto command = read_command(type_of(types[n]), keys[i]);
    if (command.empty()) {
      KeyValue value;
      value.type = KeyValue::Type::other;
      value.type_name = types[n];
      results[i].value = std::move(value);
      continue;
    }
    connection.append(command);
    read.push_back(n);
  }
  connection.flush();
  for (const std::size_t n : read) {
    const std::size_t i = indices[n];
    Reply reply = connection.read_reply();
    if (is_wrong_type(reply)) {
      results[i].again = true;
    } else if (reply.is_error()) {
      cannot_read(keys[i], reply);
    } else {
      results[i].value = value_of_type(types[n], std::move(reply), keys[i]);
    }
  }
}

} // namespace

std::optional<KeyValue> value_of_type(const std::string& type_name, Reply reply, const std::string& key) {
  KeyValue value;
  value.type = type_of(type_name);
  value.type_name = type_name;
  if (value.type == KeyValue::Type::string) {
    if (reply.type == Reply::Type::nil) {
      return std::nullopt;
    }
    if (reply.type != Reply::Type::string) {
      unexpected(key, reply);
    }
    return string_value(std::move(reply.str));
  }
  if (reply.type != Reply::Type::array) {
    unexpected(key, reply);
  }
  if (reply.elements.empty()) {
    return std::nullopt;
  }
  for (const Reply& element : reply.elements) {
    if (element.type != Reply::Type::string) {
      unexpected(key, reply);
    }
  }
  auto& items = reply.elements;
  if (value.type == KeyValue::Type::hash || value.type == KeyValue::Type::zset) {
    if (items.size() % 2 != 0) {
      unexpected(key, reply);
    }
    for (std::size_t i = 0; i < items.size(); i += 2) {
      value.pairs.emplace_back(std::move(items[i].str), std::move(items[i + 1].str));
    }
    if (value.type == KeyValue::Type::hash) {
      std::sort(value.pairs.begin(), value.pairs.end()); // ZRANGE's order (by score) is already stable
    }
    return value;
  }
  for (auto& element : items) {
    value.elements.push_back(std::move(element.str));
  }
  if (value.type == KeyValue::Type::set) {
    std::sort(value.elements.begin(), value.elements.end());
  }
  return value;
}

std::vector<KeyRead> read_keys(Connection& connection, const std::vector<std::string>& keys, std::size_t batch) {
  std::vector<KeyRead> results(keys.size());
  std::vector<std::size_t> unknown; // no string: missing, or of another type
  const auto take_string = [&](std::size_t i, Reply reply) {
    if (reply.type == Reply::Type::nil || is_wrong_type(reply)) {
      unknown.push_back(i);
    } else if (reply.is_error()) {
      cannot_read(keys[i], reply);
    } else {
      results[i].value = value_of_type("string", std::move(reply), keys[i]);
    }
  };
  std::vector<std::string_view> mget;
  for (std::size_t first = 0; first < keys.size(); first += batch) {
    mget.assign({"MGET"});
    mget.insert(mget.end(), keys.begin() + static_cast<std::ptrdiff_t>(first),
                keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), first + batch)));
    connection.append(mget);
  }
  connection.flush();
  std::vector<std::size_t> refused; // first key of each batch refused as a whole
  for (std::size_t first = 0; first < keys.size(); first += batch) {
    Reply reply = connection.read_reply();
    const std::size_t count = std::min(keys.size(), first + batch) - first;
    if (reply.is_error()) {
      refused.push_back(first);
    } else if (reply.type != Reply::Type::array || reply.elements.size() != count) {
      unexpected(keys[first], reply);
    } else {
      for (std::size_t n = 0; n < count; ++n) {
        take_string(first + n, std::move(reply.elements[n]));
      }
    }
  }
  // A batch refused as a whole (an ACL denying one of its keys, a cluster
  // node owning some): key by key, so that the error names its key.
  std::vector<std::size_t> one_by_one;
  for (const std::size_t first : refused) {
    for (std::size_t i = first; i < std::min(keys.size(), first + batch); ++i) {
      connection.append({"GET", keys[i]});
      one_by_one.push_back(i);
    }
  }
  connection.flush();
  for (const std::size_t i : one_by_one) {
    take_string(i, connection.read_reply());
  }
  std::sort(unknown.begin(), unknown.end());
  read_other_types(connection, keys, unknown, results);
  return results;
}

} // namespace statesync::detail
