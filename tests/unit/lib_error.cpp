// What a program linking the library learns from an ErrorKind: its name,
// and the exit status the tools end with after it.

#include <statesync/error.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace statesync;

namespace {

constexpr ErrorKind every_kind[] = {ErrorKind::usage,  ErrorKind::bad_data, ErrorKind::no_input, ErrorKind::unavailable,
                                    ErrorKind::server, ErrorKind::refused,  ErrorKind::protocol, ErrorKind::lock_lost,
                                    ErrorKind::output, ErrorKind::internal, ErrorKind::fenced};

} // namespace

TEST_CASE("every kind has its own name, spelled as its enumerator") {
  CHECK(std::string(error_kind_name(ErrorKind::usage)) == "usage");
  CHECK(std::string(error_kind_name(ErrorKind::bad_data)) == "bad_data");
  CHECK(std::string(error_kind_name(ErrorKind::no_input)) == "no_input");
  CHECK(std::string(error_kind_name(ErrorKind::unavailable)) == "unavailable");
  CHECK(std::string(error_kind_name(ErrorKind::server)) == "server");
  CHECK(std::string(error_kind_name(ErrorKind::refused)) == "refused");
  CHECK(std::string(error_kind_name(ErrorKind::protocol)) == "protocol");
  CHECK(std::string(error_kind_name(ErrorKind::lock_lost)) == "lock_lost");
  CHECK(std::string(error_kind_name(ErrorKind::output)) == "output");
  CHECK(std::string(error_kind_name(ErrorKind::internal)) == "internal");
  CHECK(std::string(error_kind_name(ErrorKind::fenced)) == "fenced");
  std::set<std::string> names;
  for (const auto kind : every_kind) {
    names.insert(error_kind_name(kind));
  }
  CHECK(names.size() == std::size(every_kind));
}

TEST_CASE("every kind maps to the tools' documented exit status") {
  CHECK(exit_status_for(ErrorKind::usage) == 64);
  CHECK(exit_status_for(ErrorKind::bad_data) == 65);
  CHECK(exit_status_for(ErrorKind::no_input) == 66);
  CHECK(exit_status_for(ErrorKind::unavailable) == 69);
  CHECK(exit_status_for(ErrorKind::server) == 69);
  CHECK(exit_status_for(ErrorKind::internal) == 70);
  CHECK(exit_status_for(ErrorKind::output) == 74);
  CHECK(exit_status_for(ErrorKind::lock_lost) == 75);
  CHECK(exit_status_for(ErrorKind::protocol) == 76);
  CHECK(exit_status_for(ErrorKind::refused) == 77);
  CHECK(exit_status_for(ErrorKind::fenced) == 79);
}
