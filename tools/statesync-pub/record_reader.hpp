#pragma once
// Records from a byte stream (standard input), split at a one-byte
// separator: read in large blocks with read(2), handed out as views into
// the block, so that memory stays flat however long the stream is (only a
// record longer than the block makes it grow).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

class RecordReader {
public:
  // `strip_cr`: a '\r' right before the separator is not part of the
  // record (text lines from Windows). `wake_fd`: while waiting for input,
  // this fd becoming readable (the signal pipe) ends the wait.
  RecordReader(int fd, std::string name, char separator, bool strip_cr, int wake_fd = -1);

  // The next complete record among the bytes read so far (the last one
  // needs no separator once the input has ended), or nullopt: call fill()
  // or, when at_end(), stop. The view lasts until the next call.
  std::optional<std::string_view> next();

  // Waits for and reads more input. Returns early, having read nothing,
  // when interrupted. Throws Error(no_input) when the input cannot be read.
  void fill();

  bool at_end() const noexcept { return ended_ && start_ == end_; }

private:
  int fd_;
  std::string name_;
  char separator_;
  bool strip_cr_;
  int wake_fd_;
  std::vector<char> buffer_;
  std::size_t start_ = 0; // first byte of the next record
  std::size_t scan_ = 0;  // where the search for the separator goes on
  std::size_t end_ = 0;   // end of the bytes read
  bool ended_ = false;
};

// All of a file descriptor's bytes (-x), or a named file's (-f).
// Throw Error(no_input) naming `name` or `path` when they cannot be read.
std::string read_all(int fd, const std::string& name);
std::string read_file(const std::string& path);

} // namespace statesync::tools
