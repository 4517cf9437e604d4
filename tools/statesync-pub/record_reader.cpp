#include "record_reader.hpp"

#include <statesync/error.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

constexpr std::size_t block_size = std::size_t{1} << 20;

[[noreturn]] void cannot_read(const std::string& name, int error) {
  throw Error(ErrorKind::no_input, "cannot read " + name + ": " + std::strerror(error));
}

// One read(2); 0 at the end, -1 when interrupted.
ssize_t read_some(int fd, char* data, std::size_t size, const std::string& name) {
  const ssize_t n = ::read(fd, data, size);
  if (n < 0 && errno != EINTR && errno != EAGAIN) {
    cannot_read(name, errno);
  }
  return n;
}

} // namespace

RecordReader::RecordReader(int fd, std::string name, char separator, bool strip_cr, int wake_fd)
    : fd_(fd), name_(std::move(name)), separator_(separator), strip_cr_(strip_cr), wake_fd_(wake_fd),
      buffer_(block_size) {}

std::optional<std::string_view> RecordReader::next() {
  const char* data = buffer_.data();
  const void* found = std::memchr(data + scan_, separator_, end_ - scan_);
  std::size_t record_end = 0;
  if (found != nullptr) {
    record_end = static_cast<std::size_t>(static_cast<const char*>(found) - data);
    scan_ = record_end + 1;
  } else if (ended_ && start_ < end_) {
    record_end = end_; // the last record, without a separator
    scan_ = end_;
  } else {
    scan_ = end_;
    return std::nullopt;
  }
  std::string_view record(data + start_, record_end - start_);
  if (strip_cr_ && found != nullptr && !record.empty() && record.back() == '\r') {
    record.remove_suffix(1);
  }
  start_ = scan_;
  return record;
}

void RecordReader::fill() {
  if (ended_) {
    return;
  }
  if (start_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + start_, end_ - start_);
    scan_ -= start_;
    end_ -= start_;
    start_ = 0;
  }
  if (end_ == buffer_.size()) {
    buffer_.resize(buffer_.size() * 2); // a record longer than a block
  }
  if (wake_fd_ >= 0) {
    std::array<pollfd, 2> fds{{{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}}};
    if (::poll(fds.data(), fds.size(), -1) < 0 || (fds[0].revents == 0 && fds[1].revents != 0)) {
      return;
    }
  }
  const ssize_t n = read_some(fd_, buffer_.data() + end_, buffer_.size() - end_, name_);
  if (n == 0) {
    ended_ = true;
  } else if (n > 0) {
    end_ += static_cast<std::size_t>(n);
  }
}

std::string read_all(int fd, const std::string& name) {
  std::string data;
  for (;;) {
    const std::size_t used = data.size();
    data.resize(used + block_size);
    const ssize_t n = read_some(fd, data.data() + used, block_size, name);
    data.resize(used + static_cast<std::size_t>(n > 0 ? n : 0));
    if (n == 0) {
      return data;
    }
  }
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cannot_read(path, errno);
  }
  try {
    std::string data = read_all(fd, path);
    ::close(fd);
    return data;
  } catch (...) {
    ::close(fd);
    throw;
  }
}

} // namespace statesync::tools
