// statesync-gen-docs DIR: writes the shell completions and the option lists
// of the three tools, their help texts and exit-status tables, from the same CLI11
// definitions the tools parse with. The build runs it; a test compares its
// output with completions/ and the man pages.

#include "common/cli_docs.hpp"
#include "statesync-lock/options.hpp"
#include "statesync-pub/options.hpp"
#include "statesync-sub/options.hpp"

#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

void write_docs(const std::filesystem::path& dir, const CLI::App& app) {
  using namespace statesync::tools;
  const std::string name = app.get_name();
  write_file(dir / "bash" / name, bash_completion(app));
  write_file(dir / "zsh" / ("_" + name), zsh_completion(app));
  write_file(dir / "fish" / (name + ".fish"), fish_completion(app));
  write_file(dir / "options" / (name + ".txt"), option_names(app));
  write_file(dir / "man" / (name + ".connection-options.troff"), options_troff(app, std::string(connection_group)));
  write_file(dir / "man" / (name + ".exit-status.troff"), exit_status_troff(name));
  write_file(dir / "help" / (name + ".txt"), app.help());
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: statesync-gen-docs DIR\n";
    return 64;
  }
  try {
    const std::filesystem::path dir = argv[1];
    statesync::tools::PubOptions pub;
    statesync::tools::SubOptions sub;
    statesync::tools::LockOptions lock;
    write_docs(dir, *statesync::tools::make_pub_app(pub));
    write_docs(dir, *statesync::tools::make_sub_app(sub));
    write_docs(dir, *statesync::tools::make_lock_app(lock));
  } catch (const std::exception& error) {
    std::cerr << "statesync-gen-docs: " << error.what() << '\n';
    return 70;
  }
  return 0;
}
