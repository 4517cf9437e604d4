#pragma once
// Documentation generated from the tools' own CLI11 option definitions, so
// that completions and the man pages' tables never drift from the code.

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

// The help group of the options every tool shares: listed last.
inline constexpr std::string_view connection_group = "Connection";

std::string bash_completion(const CLI::App& app);
std::string zsh_completion(const CLI::App& app);
std::string fish_completion(const CLI::App& app);

// One line per option: its names, separated by spaces ("-l --lines").
std::string option_names(const CLI::App& app);

// The exit statuses one tool uses, as a man(7) table.
std::string exit_status_troff(std::string_view tool);

// The --help text: the usage lines (each after the tool's name), the
// description, the tool's option groups in the order they were defined,
// the connection options, --help and --version, the footer, and the exit
// statuses; 80 columns. New options and groups appear without more work.
std::string help_text(const CLI::App& app, const std::vector<std::string>& usage);

// The options of one help group (e.g. "Connection") as man(7) .TP entries.
std::string options_troff(const CLI::App& app, const std::string& group);

} // namespace statesync::tools
