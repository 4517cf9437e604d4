#pragma once
// libstatesync in one include: keep state in sync through Redis.
//
// The entry points:
//   endpoint_from_environment(), parse_url()  where to connect (endpoint.hpp)
//   Connection::open()                          one connection (connection.hpp)
//   Publisher, PublishStream                    publish, retain, clear (publisher.hpp)
//   read_retained_state()                       a channel's state, once (retained.hpp)
//   Subscriber                                  messages, retained state first (subscriber.hpp)
//   Lock, LockGuard, lock_status()              leases with fencing tokens (lock.hpp)
//   Error, ErrorKind, ServerError               what failed, without parsing text (error.hpp)
// Requires C++20. Examples: examples/ in the source tree.

#include <statesync/cluster.hpp>
#include <statesync/cluster_stream.hpp>
#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>
#include <statesync/failover.hpp>
#include <statesync/lock.hpp>
#include <statesync/publisher.hpp>
#include <statesync/reply.hpp>
#include <statesync/retained.hpp>
#include <statesync/subscriber.hpp>
#include <statesync/version.hpp>
