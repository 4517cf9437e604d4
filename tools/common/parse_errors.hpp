#pragma once
// CLI11's parse errors said in plain words, naming the option as the user
// may have typed it: "-h/--host needs a host name" instead of "--host: 1
// required TEXT missing".

#include <CLI/CLI.hpp>

#include <string>

namespace statesync::tools {

// The message for `error` raised while parsing `app`'s options, without
// the tool's name.
std::string plain_parse_error(const CLI::App& app, const CLI::ParseError& error);

} // namespace statesync::tools
