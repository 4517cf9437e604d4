// Where a program connects when its user named no server: the environment
// the statesync tools (and redis-cli) read.

#include <statesync/endpoint.hpp>

#include <cstdlib>

namespace statesync {
namespace {

// Unset and empty are the same: `VAR= command` clears a variable.
std::optional<std::string> variable(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

} // namespace

Endpoint endpoint_from_environment(std::optional<std::string_view> url) {
  std::optional<std::string> chosen;
  if (url) {
    chosen = std::string(*url);
  } else if (!(chosen = variable("STATESYNC_URL"))) {
    chosen = variable("REDIS_URL");
  }
  Endpoint endpoint = chosen ? parse_url(*chosen) : Endpoint{};
  if (!endpoint.password && !(endpoint.password = variable("STATESYNC_AUTH"))) {
    endpoint.password = variable("REDISCLI_AUTH");
  }
  endpoint.sentinel_password = variable("STATESYNC_SENTINEL_AUTH");
  return endpoint;
}

} // namespace statesync
