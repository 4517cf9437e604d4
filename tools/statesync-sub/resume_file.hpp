#pragma once
// --resume FILE: the ID of the last entry written out (or handled by
// --exec) per stream, so that the next run starts right after it. Each
// update writes a new file and renames it over the old one (a crash
// leaves the old or the new, never half of one); it is synced to disk at
// most once a second, and at exit, so a machine that crashes may print
// the last second's entries again. The file holds one line per stream:
// "ID KEY", the key percent-encoded where it has spaces, '%' or bytes
// that are not printable.

#include <statesync/stream_id.hpp>

#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace statesync::tools {

class ResumeFile {
public:
  // Reads `path` if it exists and checks that its directory takes new
  // files. Throws Error(no_input) for a file that cannot be read,
  // Error(bad_data) for one that is not a resume file, Error(output) when
  // it cannot be written.
  explicit ResumeFile(std::string path);
  ResumeFile(const ResumeFile&) = delete;
  ResumeFile& operator=(const ResumeFile&) = delete;

  const std::map<std::string, StreamId>& positions() const noexcept { return positions_; }

  // An entry of `stream` was written out or handled.
  void handled(const std::string& stream, StreamId id) { positions_[stream] = id; }

  // Writes the file if anything changed; syncs it when the last sync is
  // a second old, or now `at_exit`. Throws Error(output).
  void save(bool at_exit = false);
  // When save() should be called again to sync what it wrote; nullopt:
  // all is synced.
  std::optional<std::chrono::steady_clock::time_point> sync_due() const;

private:
  void sync_and_close(int fd, bool sync) const;

  std::string path_;
  std::map<std::string, StreamId> positions_;
  std::map<std::string, StreamId> saved_;
  std::chrono::steady_clock::time_point synced_;
  bool unsynced_ = false;
};

} // namespace statesync::tools
