#include "options.hpp"

#include "common/tool_main.hpp"

namespace statesync::tools {

std::unique_ptr<CLI::App> make_pub_app(PubOptions& options) {
  auto app = make_app("statesync-pub", "statesync-pub");
  add_connection_options(*app, options.connection);
  app->add_option("arguments", options.arguments, "Arguments");
  return app;
}

} // namespace statesync::tools
