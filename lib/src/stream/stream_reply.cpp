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

void parse_entries(const Connection& from, std::string_view stream, Reply& list, std::vector<ReadEntry>& out) {
  if (list.type != Reply::Type::array) {
    unexpected_reply(from, "a stream read", list);
  }
  out.reserve(out.size() + list.elements.size());
  for (Reply& item : list.elements) {
    if (item.type != Reply::Type::array || item.elements.size() != 2 || item.elements[0].type != Reply::Type::string) {
      unexpected_reply(from, "a stream read", item);
    }
    ReadEntry& read = out.emplace_back();
    read.entry.stream = stream;
    read.entry.id = StreamId::parse(item.elements[0].str);
    Reply& fields = item.elements[1];
    if (fields.type == Reply::Type::nil) {
      read.deleted = true;
    } else if (fields.type != Reply::Type::array || fields.elements.size() % 2 != 0) {
      unexpected_reply(from, "a stream read", item);
    } else {
      read.entry.fields.reserve(fields.elements.size() / 2);
      for (std::size_t i = 0; i + 1 < fields.elements.size(); i += 2) {
        read.entry.fields.emplace_back(std::move(fields.elements[i].str), std::move(fields.elements[i + 1].str));
      }
    }
  }
}

std::vector<ReadEntry> parse_entries(const Connection& from, std::string_view stream, Reply& list) {
  std::vector<ReadEntry> entries;
  parse_entries(from, stream, list, entries);
  return entries;
}

void parse_streams(const Connection& from, Reply& reply, std::vector<ReadEntry>& out) {
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
    parse_entries(from, stream.elements[0].str, stream.elements[1], out);
  }
}

} // namespace statesync::detail
