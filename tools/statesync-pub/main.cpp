#include "options.hpp"

#include "common/tool_main.hpp"

#include <statesync/connection.hpp>

using namespace statesync;
using namespace statesync::tools;

int main(int argc, char** argv) {
  PubOptions options;
  auto app = make_pub_app(options);
  return run_tool(*app, argc, argv, [&] {
    auto connection = open_connection(options.connection, "statesync-pub");
    expect_ok(connection.command({"PING"}), "PING");
    return 0;
  });
}
