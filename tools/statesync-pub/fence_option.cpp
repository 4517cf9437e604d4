#include "fence_option.hpp"

#include <statesync/error.hpp>

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

namespace statesync::tools {
namespace {

// A fencing token: a whole number from 1 (statesync-lock's first).
std::optional<long long> token_from(std::string_view text) {
  long long token = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), token);
  if (error != std::errc() || end != text.data() + text.size() || token < 1) {
    return std::nullopt;
  }
  return token;
}

} // namespace

std::optional<Fence> fence_for(const PubOptions& options) {
  if (options.fenced && options.fence_text) {
    throw Error(ErrorKind::usage, "give either --fenced or --fence NAME:TOKEN, not both");
  }
  Fence fence;
  fence.lock_prefix = options.key_prefix;
  if (options.fence_text) {
    const auto colon = options.fence_text->rfind(':');
    const auto token = colon == std::string::npos ? std::nullopt : token_from(options.fence_text->substr(colon + 1));
    if (colon == 0 || !token) {
      throw Error(ErrorKind::usage,
                  "--fence must be NAME:TOKEN, the lock's name and a fencing token, not '" + *options.fence_text + "'");
    }
    fence.lock = options.fence_text->substr(0, colon);
    fence.token = *token;
    return fence;
  }
  if (!options.fenced) {
    return std::nullopt;
  }
  const char* name = std::getenv("STATESYNC_LOCK_NAME");
  const char* token = std::getenv("STATESYNC_LOCK_TOKEN");
  if (name == nullptr || *name == '\0' || token == nullptr) {
    throw Error(ErrorKind::usage, "--fenced needs STATESYNC_LOCK_NAME and STATESYNC_LOCK_TOKEN, as statesync-lock "
                                  "gives them to its command (or --fence NAME:TOKEN)");
  }
  const auto parsed = token_from(token);
  if (!parsed) {
    throw Error(ErrorKind::usage, std::string("STATESYNC_LOCK_TOKEN must be a fencing token, not '") + token + "'");
  }
  fence.lock = name;
  fence.token = *parsed;
  return fence;
}

} // namespace statesync::tools
