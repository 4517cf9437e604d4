// mirror_file_name() and content_digest(): see state_mirror.hpp.

#include <statesync/error.hpp>
#include <statesync/state_mirror.hpp>

#include <fmt/format.h>

#include <cstdint>

namespace statesync {
namespace {

bool kept_as_is(unsigned char byte, bool first) {
  return (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') || byte == '_' ||
         byte == '-' || (byte == '.' && !first);
}

// Room for the temporary name beside the file (".NAME.statesync-XXXXXX")
// within the 255 bytes of NAME_MAX.
constexpr std::size_t longest_name = 200;
constexpr std::size_t cut_to = longest_name - 17; // "~" and 16 hex digits

} // namespace

std::string content_digest(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::string mirror_file_name(std::string_view name) {
  if (name.empty()) {
    throw Error(ErrorKind::usage, "an empty name has no file");
  }
  std::string file;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto byte = static_cast<unsigned char>(name[i]);
    if (kept_as_is(byte, i == 0)) {
      file += static_cast<char>(byte);
    } else {
      fmt::format_to(std::back_inserter(file), "%{:02X}", byte);
    }
  }
  if (file.size() <= longest_name) {
    return file;
  }
  std::size_t cut = cut_to;
  // Never half of a %XX.
  if (file[cut - 1] == '%') {
    cut -= 1;
  } else if (file[cut - 2] == '%') {
    cut -= 2;
  }
  return file.substr(0, cut) + "~" + content_digest(name);
}

} // namespace statesync
