#include "common/exit_status.hpp"

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace statesync;
using namespace statesync::tools;

TEST_CASE("the documented table lists every status the code can return") {
  std::set<std::string> documented;
  for (const auto& row : exit_status_table()) {
    documented.insert(row.status);
  }
  // An error's status is the library's; the others are the tools' own.
  for (const auto kind : {ErrorKind::usage, ErrorKind::bad_data, ErrorKind::no_input, ErrorKind::unavailable,
                          ErrorKind::server, ErrorKind::refused, ErrorKind::protocol, ErrorKind::lock_lost,
                          ErrorKind::output, ErrorKind::internal, ErrorKind::fenced}) {
    CAPTURE(error_kind_name(kind));
    CHECK(documented.count(std::to_string(exit_status_for(kind))) == 1);
  }
  for (const int status : {exit_ok, exit_not_this_time}) {
    CAPTURE(status);
    CHECK(documented.count(std::to_string(status)) == 1);
  }
  CHECK(documented.count(std::to_string(exit_cannot_execute) + " / " + std::to_string(exit_not_found)) == 1);
  CHECK(documented.count(std::to_string(exit_signal_base) + "+N") == 1);
}
