#pragma once
// TLS lives in a module of its own, libstatesync-tls, loaded with dlopen()
// the first time a TLS connection is asked for: a plain-TCP tool run should
// not pay for loading libssl and libcrypto (about 2 ms per process start).

#include "transport/transport.hpp"

namespace statesync::detail {

// Performs the handshake on a connected socket (taking ownership of it) and
// returns the TLS transport; throws Error(unavailable) when refused.
Transport* start_tls_transport(int fd, const Endpoint& endpoint, Clock::time_point deadline);

// The module's one entry point, found with dlsym(): start_tls_transport(),
// with a failure's message written to `error` and nullptr returned, so that
// no exception crosses between the module's C++ runtime and the caller's
// (a statically linked tool has its own).
using StartTlsFunction = Transport* (*)(int fd, const Endpoint& endpoint, Clock::time_point deadline, char* error,
                                        std::size_t error_size);
inline constexpr const char* start_tls_symbol = "statesync_start_tls";

} // namespace statesync::detail
