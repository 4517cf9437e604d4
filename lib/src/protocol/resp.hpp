#pragma once
// The Redis protocol: commands encoded here, replies decoded by hiredis's
// reply reader, which is independent of I/O and so can be fed bytes from
// any transport.

#include <statesync/reply.hpp>

#include <optional>
#include <span>
#include <string>
#include <string_view>

struct redisReader;

namespace statesync::detail {

// Appends the RESP encoding of one command to `out`.
void encode_command(std::span<const std::string_view> args, std::string& out);

class ReplyReader {
public:
  ReplyReader();
  ReplyReader(const ReplyReader&) = delete;
  ReplyReader& operator=(const ReplyReader&) = delete;
  ~ReplyReader();

  void feed(const char* data, std::size_t size);
  // The next complete reply, or nullopt when more bytes are needed.
  // Throws Error(protocol) on bytes that are not RESP.
  std::optional<Reply> next();

private:
  redisReader* reader_;
};

} // namespace statesync::detail
