#include "stream/stream_reply.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

namespace statesync::detail {

void unexpected_reply(const Connection& from, std::string_view what, const Reply& reply) {
  throw Error(ErrorKind::protocol,
              fmt::format("unexpected reply to {} from {}: {}", what, from.where(), reply.describe()));
}

void throw_if_error(const Connection& from, std::string_view what, const Reply& reply) {
  if (reply.is_error()) {
    throw Error(reply, fmt::format("{} at {}", what, from.where()));
  }
}

std::vector<ReadEntry> parse_entries(const Connection& from, std::string_view stream, const Reply& list) {
  if (list.type != Reply::Type::array) {
    unexpected_reply(from, "a stream read", list);
  }
  std::vector<ReadEntry> entries;
  entries.reserve(list.elements.size());
  for (const Reply& item : list.elements) {
    if (item.type != Reply::Type::array || item.elements.size() != 2 || item.elements[0].type != Reply::Type::string) {
      unexpected_reply(from, "a stream read", item);
    }
    ReadEntry read;
    read.entry.stream = stream;
    read.entry.id = StreamId::parse(item.elements[0].str);
    const Reply& fields = item.elements[1];
    if (fields.type == Reply::Type::nil) {
      read.deleted = true;
    } else if (fields.type != Reply::Type::array || fields.elements.size() % 2 != 0) {
      unexpected_reply(from, "a stream read", item);
    } else {
      read.entry.fields.reserve(fields.elements.size() / 2);
      for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
        read.entry.fields.emplace_back(fields.elements[i].str, fields.elements[i + 1].str);
      }
    }
    entries.push_back(std::move(read));
  }
  return entries;
}

std::vector<ReadEntry> parse_streams(const Connection& from, const Reply& reply) {
  throw_if_error(from, "cannot read the streams", reply);
  std::vector<ReadEntry> entries;
  if (reply.type == Reply::Type::nil) {
    return entries;
  }
  if (reply.type != Reply::Type::array) {
    unexpected_reply(from, "XREAD", reply);
  }
  for (const Reply& stream : reply.elements) {
    if (stream.type != Reply::Type::array || stream.elements.size() != 2) {
      unexpected_reply(from, "XREAD", stream);
    }
    auto more = parse_entries(from, stream.elements[0].str, stream.elements[1]);
    std::move(more.begin(), more.end(), std::back_inserter(entries));
  }
  return entries;
}

} // namespace statesync::detail
