#pragma once
// statesync-sub's options, defined once for the tool and its generated docs.

#include "common/connection_options.hpp"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace statesync::tools {

struct SubOptions {
  ConnectionArgs connection;
  std::vector<std::string> arguments;
};

std::unique_ptr<CLI::App> make_sub_app(SubOptions& options);

} // namespace statesync::tools
