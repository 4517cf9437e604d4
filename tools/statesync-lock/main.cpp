#include "options.hpp"

#include "common/tool_main.hpp"

#include <statesync/connection.hpp>

using namespace statesync;
using namespace statesync::tools;

int main(int argc, char** argv) {
  LockOptions options;
  auto app = make_lock_app(options);
  return run_tool(*app, argc, argv, [&] {
    auto connection = open_connection(options.connection, "statesync-lock");
    expect_ok(connection.command({"PING"}), "PING");
    return 0;
  });
}
