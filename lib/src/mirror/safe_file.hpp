#pragma once
// Replacing one file so that a reader sees the old file or the new one and
// never part of one (state_mirror.hpp says how). Throws Error(output).

#include <functional>
#include <optional>
#include <string>

namespace statesync::mirror {

// The path a write to `path` must replace: a symbolic link (a chain of
// them, a dangling one too) is followed, so that the temporary file is
// made in the directory of the file the rename replaces.
std::string real_target(const std::string& path);

// The file's content; nullopt when there is none.
std::optional<std::string> read_content(const std::string& path);

// A new content written beside `target`, not yet renamed over it; removed
// on destruction unless put in place.
class StagedFile {
public:
  // Writes `content` to a temporary file beside `target` with `mode` and
  // the owner `target` has (when it exists), and fsyncs it.
  StagedFile(const std::string& target, const std::string& content, unsigned mode);
  StagedFile(const StagedFile&) = delete;
  StagedFile& operator=(const StagedFile&) = delete;
  ~StagedFile();

  const std::string& temp_path() const noexcept { return temp_; }
  // Renames it over the target and fsyncs the directory.
  void put_in_place();

private:
  std::string target_;
  std::string temp_;
  bool placed_ = false;
};

// Removes `path` (nothing when it does not exist) and fsyncs its directory.
void remove_file(const std::string& path);

} // namespace statesync::mirror
