#pragma once
// What every tool's main() does around its own work: parse options, map
// failures to the documented exit statuses, print one-line errors.

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace statesync::tools {

// An App with the conventions of all three tools: --help (not -h, which is
// the host), --version, and a help text made by help_text() (cli_docs.hpp)
// from `usage` (the forms of the command line, each after the tool's name)
// and the options.
std::unique_ptr<CLI::App> make_app(const char* tool, const char* description, std::vector<std::string> usage);

// Parses argv, runs `body`, and turns every failure into a one-line
// message on standard error and its exit status.
int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& body);

// Prints "tool: message" on standard error.
void report(const std::string& message);
// The same, only when verbose output was asked for.
void set_verbose(bool verbose);
bool verbose();
void report_verbose(const std::string& message);

} // namespace statesync::tools
