// libFuzzer target: statesync-sub's -F template parser must accept or refuse
// any bytes with a usage error, never crash, hang or read out of bounds; a
// template it accepts must render a message without trouble.

#include "statesync-sub/format_template.hpp"

#include <statesync/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto format = statesync::tools::FormatTemplate::parse(text);
    statesync::Message message;
    message.channel = "ch\xff";
    message.payload = std::string("p\0\xc3(", 4);
    message.pattern = "c*";
    message.version = 7;
    std::string out;
    format.render(out, message, statesync::tools::SystemTime{});
  } catch (const statesync::Error& error) {
    if (error.kind() != statesync::ErrorKind::usage) {
      __builtin_trap();
    }
  }
  return 0;
}
