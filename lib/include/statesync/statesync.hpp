#pragma once
// libstatesync in one include: keep state in sync through Redis.
//
// The entry points:
//   endpoint_from_environment(), parse_url()  where to connect (endpoint.hpp)
//   Link                                        one way to a server, a Sentinel group or a
//                                               cluster: routing, reconnects (link.hpp)
//   Publisher, RecordStream                     publish, retain, clear, pipelined (publisher.hpp)
//   read_retained_state()                       a channel's state, once (retained.hpp)
//   Subscriber                                  messages, retained state first (subscriber.hpp)
//   StreamWriter, StreamReader                  durable delivery over Redis Streams
//                                               (stream_writer.hpp, stream_reader.hpp)
//   KeyWatcher                                  any key's value now and at every change
//                                               (key_watcher.hpp)
//   LockSession                                 run work under a lock: background renewal,
//                                               told at once when lost (lock_session.hpp)
//   Lock, LockGuard, lock_status()              leases with fencing tokens (lock.hpp)
//   lock_history(), lock_run_summary()          the fleet's run history (lock_history.hpp)
//   Error, ErrorKind, ServerError               what failed, without parsing text (error.hpp)
// Requires C++20. Examples: examples/ in the source tree.

#include <statesync/cluster.hpp>
#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>
#include <statesync/key_watcher.hpp>
#include <statesync/link.hpp>
#include <statesync/lock.hpp>
#include <statesync/lock_history.hpp>
#include <statesync/lock_run.hpp>
#include <statesync/lock_session.hpp>
#include <statesync/publisher.hpp>
#include <statesync/reply.hpp>
#include <statesync/request.hpp>
#include <statesync/retained.hpp>
#include <statesync/rollout.hpp>
#include <statesync/state_mirror.hpp>
#include <statesync/stream_id.hpp>
#include <statesync/stream_reader.hpp>
#include <statesync/stream_writer.hpp>
#include <statesync/subscriber.hpp>
#include <statesync/subscriber_count.hpp>
#include <statesync/version.hpp>
#include <statesync/warnings.hpp>
