// statesync-pub: publish messages to Redis channels from shell scripts.

#include "options.hpp"
#include "run.hpp"

#include "common/tool_main.hpp"

using namespace statesync::tools;

int main(int argc, char** argv) {
  PubOptions options;
  auto app = make_pub_app(options);
  return run_tool(*app, argc, argv, [&] { return run_pub(options); });
}
