#include "protocol/resp.hpp"

#include "protocol/server_error.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
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

// RESP by hand rather than with redisFormatCommandArgv, whose sprintf per
// argument was two thirds of a pipelined XADD's client time: the size is
// known up front, so `out` grows once and nothing is allocated per command.
void encode_command(std::span<const std::string_view> args, std::string& out) {
  constexpr std::size_t longest_header = 1 + 20 + 2; // '$', a 64-bit length, CRLF
  std::size_t size = longest_header;
  for (const auto arg : args) {
    size += longest_header + arg.size() + 2;
  }
  const std::size_t start = out.size();
  out.resize(start + size);
  char* at = out.data() + start;
  auto header = [&at](char type, std::size_t number) {
    *at++ = type;
    at = std::to_chars(at, at + 20, number).ptr;
    *at++ = '\r';
    *at++ = '\n';
  };
  header('*', args.size());
  for (const auto arg : args) {
    header('$', arg.size());
    at = std::copy(arg.begin(), arg.end(), at);
    *at++ = '\r';
    *at++ = '\n';
  }
  out.resize(static_cast<std::size_t>(at - out.data()));
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
