#pragma once
// Name resolution that a deadline can end. getaddrinfo(3) takes no timeout
// and no signal ends it (a DNS server that does not answer holds it for
// resolv.conf's timeouts and attempts, 10 s and more), so it cannot be
// bounded where it runs: a name is resolved on a thread of its own, which
// the caller leaves behind at its deadline (a lease's give-up point, the
// connect timeout); that thread frees what it finds when it ends. A
// numeric address needs no lookup and no thread.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>

#include <memory>
#include <netdb.h>

namespace statesync::detail {

using Addresses = std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)>;

// The TCP addresses of `endpoint`'s host and port. Throws
// Error(unavailable) when the name does not resolve, or not by `deadline`.
Addresses resolve(const Endpoint& endpoint, Clock::time_point deadline);

} // namespace statesync::detail
