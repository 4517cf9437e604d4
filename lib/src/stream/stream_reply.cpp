#include "stream/stream_reply.hpp"

#include "protocol/unexpected_reply.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

namespace statesync::detail {

void unexpected_reply(const Connection& from, std::string_view what, const Reply& reply) {
  throw unexpected_reply(from.where(), what, reply);
}

void throw_if_error(const Connection& from, std::string_view what, const Reply& reply) {
  if (reply.is_error()) {
    throw Error(reply, fmt::format("{} at {}", what, from.where()));
  }
}

void for_each_entry(const Connection& from, Reply& list, const TakeEntry& take) {
  if (list.type != Reply::Type::array) {
    unexpected_reply(from, "a stream read", list);
  }
  for (Reply& item : list.elements) {
    if (item.type != Reply::Type::array || item.elements.size() != 2 || item.elements[0].type != Reply::Type::string) {
      unexpected_reply(from, "a stream read", item);
    }
    const StreamId id = StreamId::parse(item.elements[0].str);
    Reply& fields = item.elements[1];
    if (fields.type == Reply::Type::nil) {
      take(id, nullptr);
    } else if (fields.type != Reply::Type::array || fields.elements.size() % 2 != 0) {
      unexpected_reply(from, "a stream read", item);
    } else {
      take(id, &fields.elements);
    }
  }
}

void for_each_stream_entry(const Connection& from, Reply& reply, const TakeStreamEntry& take) {
  throw_if_error(from, "cannot read the streams", reply);
  if (reply.type == Reply::Type::nil) {
    return;
  }
  if (reply.type != Reply::Type::array) {
    unexpected_reply(from, "XREAD", reply);
  }
  for (Reply& stream : reply.elements) {
    if (stream.type != Reply::Type::array || stream.elements.size() != 2) {
      unexpected_reply(from, "XREAD", stream);
    }
    const std::string_view key = stream.elements[0].str;
    for_each_entry(from, stream.elements[1],
                   [&](const StreamId& id, std::vector<Reply>* fields) { take(key, id, fields); });
  }
}

void move_fields(std::vector<Reply>& fields, StreamEntry& entry) {
  entry.fields.reserve(fields.size() / 2);
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
    entry.fields.emplace_back(std::move(fields[i].str), std::move(fields[i + 1].str));
  }
}

std::vector<ReadEntry> parse_entries(const Connection& from, std::string_view stream, Reply& list) {
  std::vector<ReadEntry> entries;
  entries.reserve(list.elements.size());
  for_each_entry(from, list, [&](const StreamId& id, std::vector<Reply>* fields) {
    ReadEntry& read = entries.emplace_back();
    read.entry.stream = stream;
    read.entry.id = id;
    read.deleted = fields == nullptr;
    if (fields) {
      move_fields(*fields, read.entry);
    }
  });
  return entries;
}

} // namespace statesync::detail
