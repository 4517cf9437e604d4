// statesync-lock: run a command while holding a lock in Redis, or inspect
// and release locks.

#include "common/connection_options.hpp"
#include "common/tool_main.hpp"
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
    // In a cluster, every key of one lock hashes to its {NAME} tag's slot.
    auto connection = options.mode == LockMode::list
                          ? open_connection(options.connection, "statesync-lock")
                          : open_connection_for_key(options.connection, "statesync-lock",
                                                    lock_keys(options.key_prefix, options.name).lock);
    return options.mode == LockMode::run ? run_locked(connection, options) : inspect(connection, options);
  });
}
