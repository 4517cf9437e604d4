#pragma once
// The readers' one way to keep the caller's deadline while the link
// reconnects: every wait of Link::recover (its backoff, connecting, the
// handshake, asking the Sentinels) ends at the link's wake fd only, and a
// reader whose server is gone must still give its caller back control
// when the caller's time is up (-w, --idle).

#include <statesync/link.hpp>

#include <optional>

namespace statesync::detail {

// Link::recover(error), with every wait also ended by `deadline`
// (nullopt: none), those of its on_reconnect callbacks too: false when it
// came or the wake fd ended a wait (call again with the same error to go
// on); throws as Link::recover.
bool recover_by(Link& link, const Error& error, std::optional<Clock::time_point> deadline);

} // namespace statesync::detail
