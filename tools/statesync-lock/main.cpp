// statesync-lock: run a command while holding a lock in Redis, or inspect
// and release locks.

#include "check.hpp"
#include "common/connection_options.hpp"
#include "common/tool_main.hpp"
#include "fence_check.hpp"
#include "inspect.hpp"
#include "options.hpp"
#include "run.hpp"

using namespace statesync;
using namespace statesync::tools;

int main(int argc, char** argv) {
  LockOptions options;
  auto app = make_lock_app(options);
  return run_tool(*app, argc, argv, [&] {
    finish_lock_options(*app, options);
    set_verbose(options.connection.verbose);
    // A short locked run is three round trips; the client name need not be
    // a fourth. Every failure reads the same with it (see Endpoint).
    options.connection.name_with_first_command = true;
    // Failovers (Sentinel, Cluster) are followed by the library: a lease
    // until its give-up point, a wait for as long as it waits. A lost
    // single server is the lease lost, not reconnected (a connection it
    // closes while up is opened again once by the lock: Lock::keep).
    LinkOptions link_options;
    link_options.endpoint = checked_endpoint(options.connection);
    link_options.client_name = client_name("statesync-lock");
    link_options.reconnect.enabled = link_options.endpoint.topology != Topology::standalone;
    Link link(link_options);
    if (options.mode == LockMode::check) {
      return check_lock(link, options); // an unreachable server is UNKNOWN (3), not 69
    }
    // Connected now, so that an unreachable server is reported first. In a
    // cluster, every key of one lock hashes to its {NAME} tag's slot.
    link.connection(options.mode == LockMode::list ? std::string() : lock_keys(options.key_prefix, options.name).lock);
    switch (options.mode) {
    case LockMode::run:
      return run_locked(link, options);
    case LockMode::fence_check:
      return fence_check(link, options);
    case LockMode::status:
    case LockMode::list:
    case LockMode::release:
    case LockMode::history:
    case LockMode::check:
      break;
    }
    return inspect(link, options);
  });
}
