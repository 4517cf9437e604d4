#include "stream/stream_group.hpp"

#include "protocol/lua_scripts.hpp"
#include "protocol/script.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <array>

namespace statesync::detail {
namespace {

const Script& dead_letter_script() {
  static const Script script(lua::dead_letter, lua::dead_letter_sha1, "2");
  return script;
}

std::string milliseconds(std::chrono::milliseconds duration) {
  return std::to_string(duration.count());
}

} // namespace

void create_group(Connection& connection, const std::string& key, const StreamGroupOptions& group) {
  const Reply reply = connection.command({"XGROUP", "CREATE", key, group.name, group.start, "MKSTREAM"});
  if (reply.error_code == ServerError::busygroup) {
    return;
  }
  throw_if_error(connection, fmt::format("cannot create group '{}' of stream '{}'", group.name, key), reply);
}

PendingBatch dead_letter_batch(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                               bool claim, StreamId& cursor, std::size_t batch) {
  const std::string most = std::to_string(group.max_deliveries.value_or(UINT64_MAX));
  const std::string idle = milliseconds(group.claim_idle.value_or(std::chrono::milliseconds(0)));
  const std::string from = cursor.str();
  const std::string count = std::to_string(batch);
  const std::array<std::string_view, 9> keys_and_args = {
      key, group.dead_letter, group.name, most, claim ? "claim" : "own", group.consumer, idle, from, count};
  Reply reply = dead_letter_script().run(connection, keys_and_args);
  throw_if_error(connection,
                 fmt::format("cannot move the entries of '{}' delivered too often to '{}'", key, group.dead_letter),
                 reply);
  if (reply.type != Reply::Type::array || reply.elements.size() != 3 || reply.elements[0].type != Reply::Type::string ||
      reply.elements[2].type != Reply::Type::array) {
    unexpected_reply(connection, "the dead-letter script", reply);
  }
  PendingBatch result;
  for (const Reply& item : reply.elements[2].elements) {
    if (item.type != Reply::Type::array || item.elements.size() != 2 || item.elements[1].type != Reply::Type::integer) {
      unexpected_reply(connection, "the dead-letter script", item);
    }
    result.moved.push_back(
        {StreamId::parse(item.elements[0].str), static_cast<std::uint64_t>(item.elements[1].integer)});
  }
  result.claimed = parse_entries(connection, key, reply.elements[1]);
  cursor = StreamId::parse(reply.elements[0].str);
  return result;
}

std::vector<ReadEntry> claim_idle(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                                  StreamId& cursor, std::size_t batch) {
  const std::string from = cursor.str();
  const std::string count = std::to_string(batch);
  const std::string idle = milliseconds(group.claim_idle.value_or(std::chrono::milliseconds(0)));
  Reply reply = connection.command({"XAUTOCLAIM", key, group.name, group.consumer, idle, from, "COUNT", count});
  throw_if_error(connection, fmt::format("cannot claim idle entries of '{}'", key), reply);
  if (reply.type != Reply::Type::array || reply.elements.size() < 2 || reply.elements[0].type != Reply::Type::string) {
    unexpected_reply(connection, "XAUTOCLAIM", reply);
  }
  cursor = StreamId::parse(reply.elements[0].str);
  return parse_entries(connection, key, reply.elements[1]);
}

} // namespace statesync::detail
