// statesync-lock: run a command while holding a lock in Redis, or inspect
// and release locks.

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
    auto connection = open_connection(options.connection, "statesync-lock");
    return options.mode == LockMode::run ? run_locked(connection, options) : inspect(connection, options);
  });
}
