#include "transport/resolve.hpp"

#include "util/deadline.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

namespace statesync::detail {
namespace {

// What the caller and the resolving thread share; the last one to let go
// of it frees it (and the addresses, when the caller has left).
struct Lookup {
  std::mutex mutex;
  std::condition_variable finished;
  bool done = false;
  int status = 0;
  addrinfo* found = nullptr;
  ~Lookup() {
    if (found != nullptr) {
      ::freeaddrinfo(found);
    }
  }
};

[[noreturn]] void cannot_resolve(const Endpoint& endpoint, const std::string& why) {
  throw Error(ErrorKind::unavailable, fmt::format("cannot connect to {}: {}", endpoint.where(), why));
}

} // namespace

Addresses resolve(const Endpoint& endpoint, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  const std::string port = std::to_string(endpoint.port);
  addrinfo* found = nullptr;
  if (::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found) == 0) {
    return {found, &::freeaddrinfo};
  }
  hints.ai_flags = AI_NUMERICSERV;
  auto lookup = std::make_shared<Lookup>();
  try {
    std::thread([lookup, host = endpoint.host, port, hints] {
      addrinfo* result = nullptr;
      const int status = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &result);
      const std::lock_guard<std::mutex> guard(lookup->mutex);
      lookup->status = status;
      lookup->found = result;
      lookup->done = true;
      lookup->finished.notify_all();
    }).detach();
  } catch (const std::system_error&) {
    // No thread to be had (a process at its limit): resolved here, unbounded.
    const int status = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found);
    if (status != 0) {
      cannot_resolve(endpoint, ::gai_strerror(status));
    }
    return {found, &::freeaddrinfo};
  }
  std::unique_lock<std::mutex> guard(lookup->mutex);
  if (!lookup->finished.wait_until(guard, deadline, [&] { return lookup->done; })) {
    cannot_resolve(endpoint,
                   fmt::format("resolving the name timed out after {}", seconds_text(endpoint.connect_timeout)));
  }
  if (lookup->status != 0) {
    cannot_resolve(endpoint, ::gai_strerror(lookup->status));
  }
  return {std::exchange(lookup->found, nullptr), &::freeaddrinfo};
}

} // namespace statesync::detail
