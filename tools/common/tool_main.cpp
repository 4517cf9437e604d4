#include "tool_main.hpp"

#include "argv_secrets.hpp"
#include "cli_docs.hpp"
#include "exit_status.hpp"
#include "output.hpp"
#include "parse_errors.hpp"

#include <statesync/error.hpp>
#include <statesync/version.hpp>
#include <statesync/warnings.hpp>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <iostream>
#include <set>
#include <unistd.h>

namespace statesync::tools {
namespace {

std::string tool_name = "statesync";
bool verbose_output = false;

// A tool started with standard input, output or error closed (`<&-`,
// `>&-`) would otherwise get that number for its first socket or pipe, and
// read its own signal pipe as input or write output into the server
// connection. /dev/null opened the wrong way round holds the number while
// reads and writes still fail (EBADF), as they would on the closed one;
// close-on-exec, so a command run by the tool finds it closed too.
void hold_closed_standard_fds() noexcept {
  for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
    if (::fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
      ::open("/dev/null", (fd == STDIN_FILENO ? O_WRONLY : O_RDONLY) | O_CLOEXEC);
    }
  }
}

class HelpFormatter : public CLI::FormatterBase {
public:
  explicit HelpFormatter(std::vector<std::string> usage) : usage_(std::move(usage)) {}

  std::string make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const override {
    return help_text(*app, usage_);
  }

private:
  std::vector<std::string> usage_;
};

// The library's warnings, each said once: a reconnect meets the same
// one again.
void warn_once(std::string_view message) {
  static std::set<std::string, std::less<>> said;
  if (said.insert(std::string(message)).second) {
    report("warning: " + std::string(message));
  }
}

} // namespace

std::unique_ptr<CLI::App> make_app(const char* tool, const char* description, std::vector<std::string> usage) {
  tool_name = tool;
  auto app = std::make_unique<CLI::App>(description, tool);
  app->set_help_flag("--help", "Print this help and exit");
  app->set_version_flag("--version", std::string(tool) + " " + statesync::version(), "Print the version and exit");
  app->formatter(std::make_shared<HelpFormatter>(std::move(usage)));
  return app;
}

void report(const std::string& message) {
  std::string line = tool_name + ": " + message + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void set_verbose(bool verbose) {
  verbose_output = verbose;
}

bool verbose() {
  return verbose_output;
}

void report_verbose(const std::string& message) {
  if (verbose_output) {
    report(message);
  }
}

int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& body) {
  // A closed pipe shows up as EPIPE on write, which the output code turns
  // into a quiet exit.
  std::signal(SIGPIPE, SIG_IGN);
  hold_closed_standard_fds();
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::cout << app.help();
    return exit_ok;
  } catch (const CLI::CallForVersion&) {
    std::cout << app.version() << '\n';
    return exit_ok;
  } catch (const CLI::ParseError& error) {
    report(plain_parse_error(app, error));
    return exit_status_for(ErrorKind::usage);
  }
  hide_secrets_in_argv(argc, argv);
  set_warning_handler(warn_once);
  try {
    return body();
  } catch (const OutputClosed&) {
    return exit_ok;
  } catch (const Error& error) {
    std::string message = error.what();
    if (error.server_error() == ServerError::moved) {
      // A cluster node answered a tool that was not told it is one.
      message += " (a Redis Cluster node: see --cluster)";
    }
    report(message);
    return exit_status_for(error.kind());
  } catch (const std::bad_alloc&) {
    report("out of memory");
    return exit_status_for(ErrorKind::internal);
  } catch (const std::exception& error) {
    report(std::string("internal error (a bug, please report it): ") + error.what());
    return exit_status_for(ErrorKind::internal);
  }
}

} // namespace statesync::tools
