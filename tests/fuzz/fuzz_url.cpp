// libFuzzer target: the URL parser must accept or refuse any bytes with a
// usage error, never crash, hang or read out of bounds.

#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view url(reinterpret_cast<const char*>(data), size);
  try {
    const statesync::Endpoint endpoint = statesync::parse_url(url);
    if (endpoint.port < 1 || endpoint.port > 65535 || endpoint.db < 0) {
      __builtin_trap();
    }
    (void)endpoint.where();
  } catch (const statesync::Error& error) {
    if (error.kind() != statesync::ErrorKind::usage) {
      __builtin_trap();
    }
  }
  return 0;
}
