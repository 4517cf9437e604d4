// mirror_file_name(): a channel or key never names a path outside the
// --to-dir directory, a hidden file or a control byte, and a long name is
// cut within the file system's limit with a hash that tells names apart.

#include <statesync/error.hpp>
#include <statesync/state_mirror.hpp>

#include <doctest/doctest.h>

#include <string>

using statesync::content_digest;
using statesync::mirror_file_name;

TEST_CASE("mirror_file_name keeps safe bytes and escapes the rest") {
  CHECK(mirror_file_name("app.conf") == "app.conf");
  CHECK(mirror_file_name("svc_a-1") == "svc_a-1");
  CHECK(mirror_file_name("a/b") == "a%2Fb");
  CHECK(mirror_file_name("../x") == "%2E.%2Fx");
  CHECK(mirror_file_name(".") == "%2E");
  CHECK(mirror_file_name("..") == "%2E.");
  CHECK(mirror_file_name(".hidden") == "%2Ehidden");
  CHECK(mirror_file_name(std::string("x\0y", 3)) == "x%00y");
  CHECK(mirror_file_name("100%") == "100%25"); // '%' escaped too: the mapping is one to one
  CHECK(mirror_file_name("new\nline") == "new%0Aline");
  CHECK_THROWS_AS(mirror_file_name(""), statesync::Error);
}

TEST_CASE("a long name is cut with a hash, within 255 bytes") {
  const std::string long_name(300, 'n');
  const std::string file = mirror_file_name(long_name);
  CHECK(file.size() == 200);
  CHECK(file.substr(0, 183) == std::string(183, 'n'));
  CHECK(file.substr(183) == "~" + content_digest(long_name));
  CHECK(mirror_file_name(long_name + "x") != file);
  // Never half of a %XX at the cut.
  const std::string escaped = mirror_file_name(std::string(182, 'a') + std::string(100, '/'));
  CHECK(escaped.substr(0, 182) == std::string(182, 'a'));
  CHECK(escaped[182] == '~');
}

TEST_CASE("content_digest is FNV-1a 64 in 16 hex digits") {
  CHECK(content_digest("") == "cbf29ce484222325");
  CHECK(content_digest("a") == "af63dc4c8601ec8c");
}
