// libFuzzer target: the reply-decoding path, fed arbitrary bytes in two
// pieces: it yields replies or a protocol error, never a crash.

#include "protocol/resp.hpp"

#include <statesync/error.hpp>

#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* bytes = reinterpret_cast<const char*>(data);
  const std::size_t split = size == 0 ? 0 : data[0] % size;
  try {
    statesync::detail::ReplyReader reader;
    reader.feed(bytes, split);
    while (reader.next()) {
    }
    reader.feed(bytes + split, size - split);
    while (auto reply = reader.next()) {
      (void)reply->describe();
    }
  } catch (const statesync::Error& error) {
    if (error.kind() != statesync::ErrorKind::protocol) {
      __builtin_trap();
    }
  }
  return 0;
}
