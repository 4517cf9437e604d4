#include "protocol/resp.hpp"

#include "protocol/server_error.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace statesync::detail {
namespace {

// hiredis's reader builds replies through these functions, straight into
// statesync::Reply: the root is allocated, each element is appended to its
// parent's vector as it arrives (hiredis delivers them in order, and holds no
// pointer to a finished sibling that a reallocation could move). No
// intermediate redisReply tree to allocate, copy and free for each of a
// million messages. hiredis only ever frees the root, with free_reply.
// Returning nullptr tells hiredis "out of memory".
Reply* slot_for(const redisReadTask* task) {
  if (task->parent == nullptr) {
    return new Reply;
  }
  auto* parent = static_cast<Reply*>(task->parent->obj);
  return &parent->elements.emplace_back();
}

void* create_string(const redisReadTask* task, char* text, std::size_t length) noexcept {
  try {
    Reply* reply = slot_for(task);
    reply->type = task->type == REDIS_REPLY_ERROR    ? Reply::Type::error
                  : task->type == REDIS_REPLY_STATUS ? Reply::Type::status
                                                     : Reply::Type::string;
    reply->str.assign(text, length);
    if (reply->type == Reply::Type::error) {
      reply->error_code = server_error_code(reply->str);
    }
    return reply;
  } catch (...) {
    return nullptr;
  }
}

void* create_array(const redisReadTask* task, int elements) noexcept {
  try {
    Reply* reply = slot_for(task);
    reply->type = Reply::Type::array;
    // The count is the peer's word: a hostile or broken server announcing
    // "*2000000000" must not make us allocate gigabytes before a single
    // element has arrived.
    reply->elements.reserve(std::min(static_cast<std::size_t>(elements), std::size_t{1024}));
    return reply;
  } catch (...) {
    return nullptr;
  }
}

void* create_integer(const redisReadTask* task, long long value) noexcept {
  try {
    Reply* reply = slot_for(task);
    reply->type = Reply::Type::integer;
    reply->integer = value;
    return reply;
  } catch (...) {
    return nullptr;
  }
}

void* create_nil(const redisReadTask* task) noexcept {
  try {
    Reply* reply = slot_for(task);
    reply->type = Reply::Type::nil;
    return reply;
  } catch (...) {
    return nullptr;
  }
}

void free_reply(void* reply) noexcept {
  delete static_cast<Reply*>(reply);
}

redisReplyObjectFunctions reply_functions = {create_string, create_array, create_integer, create_nil, free_reply};

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

ReplyReader::ReplyReader() : reader_(redisReaderCreateWithFunctions(&reply_functions)) {
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
  const std::unique_ptr<Reply> owned(static_cast<Reply*>(raw));
  return std::move(*owned);
}

} // namespace statesync::detail
