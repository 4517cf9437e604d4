#include "common/argv_secrets.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace {

// Runs hide_secrets_in_argv over `words` (argv[0] included) and returns them.
std::vector<std::string> hidden(std::vector<std::string> words) {
  std::vector<char*> argv;
  for (auto& word : words) {
    argv.push_back(word.data());
  }
  statesync::tools::hide_secrets_in_argv(static_cast<int>(argv.size()), argv.data());
  return {argv.begin(), argv.end()};
}

} // namespace

TEST_CASE("passwords are blanked in argv, nothing else") {
  CHECK(hidden({"t", "-a", "secret", "ch"}) == std::vector<std::string>{"t", "-a", "******", "ch"});
  CHECK(hidden({"t", "--pass", "pw"})[2] == "**");
  CHECK(hidden({"t", "--pass=pw"})[1] == "--pass=**");
  CHECK(hidden({"t", "-apw"})[1] == "-a**");
  CHECK(hidden({"t", "-u", "redis://u:pw@h:1/2"})[2] == "redis://u:**@h:1/2");
  CHECK(hidden({"t", "--url=rediss://:pw@h"})[1] == "--url=rediss://:**@h");
  CHECK(hidden({"t", "-u", "redis://pw@h"})[2] == "redis://**@h");
  CHECK(hidden({"t", "-u", "redis://h:1"})[2] == "redis://h:1");
}

TEST_CASE("words after -- belong to the command and stay") {
  CHECK(hidden({"t", "name", "--", "cmd", "-a", "x"}) == std::vector<std::string>{"t", "name", "--", "cmd", "-a", "x"});
}
