// StateMirror on a scratch directory (no server): a file is written only
// when its content differs, a refused content leaves the old file and no
// temporary one, revert() puts the old content back, and --to-dir's
// clear and index behave as documented.

#include <statesync/error.hpp>
#include <statesync/state_mirror.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <dirent.h>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

using namespace statesync;

namespace {

struct ScratchDir {
  std::string path;
  ScratchDir() {
    char pattern[] = "/tmp/statesync-mirror-XXXXXX";
    path = ::mkdtemp(pattern);
  }
  ~ScratchDir() {
    const std::string command = "rm -rf '" + path + "'";
    CHECK(std::system(command.c_str()) == 0);
  }
  std::set<std::string> entries() const {
    std::set<std::string> names;
    DIR* dir = ::opendir(path.c_str());
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") {
        names.insert(name);
      }
    }
    ::closedir(dir);
    return names;
  }
};

std::string content(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ino_t inode(const std::string& path) {
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  return info.st_ino;
}

} // namespace

TEST_CASE("a file is replaced only when its content differs") {
  ScratchDir dir;
  const std::string file = dir.path + "/app.conf";
  StateMirror mirror({.file = file});
  mirror.set("cfg", "one", 1);
  CHECK(mirror.differs());
  MirrorApplied applied = mirror.apply();
  REQUIRE(applied.changes.size() == 1);
  CHECK(applied.changes[0].previous == std::nullopt);
  CHECK(applied.changes[0].version == 1);
  CHECK(content(file) == "one");
  const ino_t first = inode(file);
  mirror.set("cfg", "one", 7); // a version that starts again: the content decides
  CHECK_FALSE(mirror.differs());
  CHECK(mirror.apply().changes.empty());
  CHECK(inode(file) == first);
  CHECK_FALSE(mirror.pending());
}

TEST_CASE("a refused content keeps the old file and leaves no temporary file") {
  ScratchDir dir;
  const std::string file = dir.path + "/app.conf";
  StateMirror mirror({.file = file});
  mirror.set("cfg", "good");
  mirror.apply();
  mirror.set("cfg", "bad");
  std::string seen;
  const MirrorApplied applied = mirror.apply([&](const std::string&, const std::string& new_file) {
    seen = content(new_file);
    return std::optional<std::string>("exited with status 1");
  });
  CHECK(seen == "bad");
  REQUIRE(applied.refused.size() == 1);
  CHECK(applied.refused[0].reason == "exited with status 1");
  CHECK(content(file) == "good");
  CHECK(dir.entries() == std::set<std::string>{"app.conf"});
}

TEST_CASE("revert puts the previous content back, or removes a new file") {
  ScratchDir dir;
  const std::string file = dir.path + "/app.conf";
  StateMirror mirror({.file = file});
  mirror.set("cfg", "v1");
  const MirrorApplied created = mirror.apply();
  mirror.set("cfg", "v2");
  const MirrorApplied replaced = mirror.apply();
  CHECK(content(file) == "v2");
  mirror.revert(replaced.changes);
  CHECK(content(file) == "v1");
  mirror.revert(created.changes);
  CHECK(dir.entries().empty());
}

TEST_CASE("directory mode: a clear removes the file unless kept, the index maps files back") {
  for (const bool keep : {false, true}) {
    ScratchDir dir;
    StateMirror mirror({.dir = dir.path, .keep_on_clear = keep});
    mirror.set("a/b", "1");
    mirror.set("c", "2");
    mirror.apply();
    CHECK(content(dir.path + "/.statesync-index") == "a%2Fb\ta/b\nc\tc\n");
    mirror.clear("c");
    const MirrorApplied applied = mirror.apply();
    CHECK(applied.changes.size() == (keep ? 0U : 1U));
    CHECK(dir.entries() == (keep ? std::set<std::string>{".statesync-index", "a%2Fb", "c"}
                                 : std::set<std::string>{".statesync-index", "a%2Fb"}));
    CHECK(content(dir.path + "/.statesync-index") == (keep ? "a%2Fb\ta/b\nc\tc\n" : "a%2Fb\ta/b\n"));
  }
}

TEST_CASE("the options are checked") {
  CHECK_THROWS_AS(StateMirror({}), Error);
  CHECK_THROWS_AS(StateMirror({.file = "/tmp/x", .dir = "/tmp"}), Error);
  CHECK_THROWS_AS(StateMirror({.dir = "/no/such/dir"}), Error);
  CHECK_THROWS_AS(StateMirror({.file = "/tmp/x", .mode = 010000}), Error);
}
