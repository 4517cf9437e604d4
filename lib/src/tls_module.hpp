#pragma once
// TLS lives in a module of its own, libstatesync-tls, loaded with dlopen()
// the first time a TLS connection is asked for: a plain-TCP tool run should
// not pay for loading libssl and libcrypto (about 2 ms per process start).

#include "transport.hpp"

namespace statesync::detail {

// Performs the handshake on a connected socket (taking ownership of it) and
// returns the TLS transport; throws Error(unavailable) when refused.
Transport* start_tls_transport(int fd, const Endpoint& endpoint, Clock::time_point deadline);

// The module's one entry point, found with dlsym(): start_tls_transport().
using StartTlsFunction = Transport* (*)(int fd, const Endpoint& endpoint, Clock::time_point deadline);
inline constexpr const char* start_tls_symbol = "statesync_start_tls";

} // namespace statesync::detail
