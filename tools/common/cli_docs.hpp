#pragma once
// Documentation generated from the tools' own CLI11 option definitions, so
// that completions and the man pages' tables never drift from the code.

#include <CLI/CLI.hpp>

#include <string>

namespace statesync::tools {

std::string bash_completion(const CLI::App& app);
std::string zsh_completion(const CLI::App& app);
std::string fish_completion(const CLI::App& app);

// One line per option: its names, separated by spaces ("-l --lines").
std::string option_names(const CLI::App& app);

// The exit-status table as man(7) markup.
std::string exit_status_troff();

// The options of one help group (e.g. "Connection") as man(7) .TP entries.
std::string options_troff(const CLI::App& app, const std::string& group);

} // namespace statesync::tools
