#include "common/exit_status.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace statesync;
using namespace statesync::tools;

TEST_CASE("every error kind maps to its documented exit status") {
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
}

TEST_CASE("the documented table lists every status the code can return") {
  std::set<std::string> documented;
  for (const auto& row : exit_status_table()) {
    documented.insert(row.status);
  }
  for (const int status : {0, 1, 64, 65, 66, 69, 70, 74, 75, 76, 77}) {
    CAPTURE(status);
    CHECK(documented.count(std::to_string(status)) == 1);
  }
  CHECK(documented.count("126 / 127") == 1);
  CHECK(documented.count("128+N") == 1);
}
