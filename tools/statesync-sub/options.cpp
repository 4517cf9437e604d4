#include "options.hpp"

#include "common/tool_main.hpp"

namespace statesync::tools {

std::unique_ptr<CLI::App> make_sub_app(SubOptions& options) {
  auto app = make_app("statesync-sub", "statesync-sub");
  add_connection_options(*app, options.connection);
  app->add_option("arguments", options.arguments, "Arguments");
  return app;
}

} // namespace statesync::tools
