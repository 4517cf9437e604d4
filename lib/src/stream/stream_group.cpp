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

std::vector<PendingEntry> over_delivered(Connection& connection, const std::string& key,
                                         const StreamGroupOptions& group, bool own, std::size_t batch) {
  const std::string count = std::to_string(batch);
  const std::string idle = milliseconds(group.claim_idle.value_or(std::chrono::milliseconds(0)));
  const Reply reply = own ? connection.command({"XPENDING", key, group.name, "-", "+", count, group.consumer})
                          : connection.command({"XPENDING", key, group.name, "IDLE", idle, "-", "+", count});
  throw_if_error(connection, fmt::format("cannot list the pending entries of '{}'", key), reply);
  if (reply.type != Reply::Type::array) {
    unexpected_reply(connection, "XPENDING", reply);
  }
  std::vector<PendingEntry> over;
  for (const Reply& item : reply.elements) {
    if (item.type != Reply::Type::array || item.elements.size() != 4 || item.elements[3].type != Reply::Type::integer) {
      unexpected_reply(connection, "XPENDING", item);
    }
    const auto deliveries = static_cast<std::uint64_t>(item.elements[3].integer);
    if (deliveries >= group.max_deliveries.value_or(UINT64_MAX)) {
      over.push_back({StreamId::parse(item.elements[0].str), deliveries});
    }
  }
  return over;
}

void move_to_dead_letter(Connection& connection, const std::string& key, const StreamGroupOptions& group,
                         const PendingEntry& pending) {
  const std::string id = pending.id.str();
  const std::string deliveries = std::to_string(pending.deliveries);
  const std::array<std::string_view, 5> keys_and_args = {key, group.dead_letter, group.name, id, deliveries};
  const Reply reply = dead_letter_script().run(connection, keys_and_args);
  throw_if_error(connection, fmt::format("cannot move entry {} of '{}' to '{}'", id, key, group.dead_letter), reply);
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
