#include "resp.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <memory>
#include <vector>

namespace statesync::detail {
namespace {

Reply convert(const redisReply& raw) {
  Reply reply;
  switch (raw.type) {
  case REDIS_REPLY_STRING:
    reply.type = Reply::Type::string;
    reply.str.assign(raw.str, raw.len);
    break;
  case REDIS_REPLY_STATUS:
    reply.type = Reply::Type::status;
    reply.str.assign(raw.str, raw.len);
    break;
  case REDIS_REPLY_ERROR:
    reply.type = Reply::Type::error;
    reply.str.assign(raw.str, raw.len);
    break;
  case REDIS_REPLY_INTEGER:
    reply.type = Reply::Type::integer;
    reply.integer = raw.integer;
    break;
  case REDIS_REPLY_NIL:
    reply.type = Reply::Type::nil;
    break;
  case REDIS_REPLY_ARRAY:
    reply.type = Reply::Type::array;
    reply.elements.reserve(raw.elements);
    for (std::size_t i = 0; i < raw.elements; ++i) {
      reply.elements.push_back(convert(*raw.element[i]));
    }
    break;
  default:
    throw Error(ErrorKind::protocol, fmt::format("unexpected reply type {}", raw.type));
  }
  return reply;
}

} // namespace

void encode_command(std::span<const std::string_view> args, std::string& out) {
  // Reused between calls: a pipeline of a million commands should not
  // allocate two vectors for each.
  thread_local std::vector<const char*> pointers;
  thread_local std::vector<std::size_t> lengths;
  pointers.clear();
  lengths.clear();
  for (const auto arg : args) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* encoded = nullptr;
  const int length = redisFormatCommandArgv(&encoded, static_cast<int>(args.size()), pointers.data(), lengths.data());
  if (length < 0) {
    throw Error(ErrorKind::usage, "command too large to encode");
  }
  out.append(encoded, static_cast<std::size_t>(length));
  redisFreeCommand(encoded);
}

ReplyReader::ReplyReader() : reader_(redisReaderCreate()) {
  if (reader_ == nullptr) {
    throw std::bad_alloc();
  }
}

ReplyReader::~ReplyReader() {
  redisReaderFree(reader_);
}

void ReplyReader::feed(const char* data, std::size_t size) {
  if (redisReaderFeed(reader_, data, size) != REDIS_OK) {
    throw std::bad_alloc();
  }
}

std::optional<Reply> ReplyReader::next() {
  void* raw = nullptr;
  if (redisReaderGetReply(reader_, &raw) != REDIS_OK) {
    throw Error(ErrorKind::protocol, fmt::format("protocol error: {}", reader_->errstr));
  }
  if (raw == nullptr) {
    return std::nullopt;
  }
  const std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(static_cast<redisReply*>(raw), &freeReplyObject);
  return convert(*owned);
}

} // namespace statesync::detail
