#pragma once
// statesync-pub's options, defined once for the tool and its generated docs.

#include "common/connection_options.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace statesync::tools {

struct PubOptions {
  ConnectionArgs connection;
  std::vector<std::string> arguments;
};

std::unique_ptr<CLI::App> make_pub_app(PubOptions& options);

} // namespace statesync::tools
