#include "resume_file.hpp"

#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace statesync::tools {
namespace {

std::string encode_key(std::string_view key) {
  std::string out;
  for (const char c : key) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '%') {
      out += fmt::format("%{:02X}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

std::string read_whole(const std::string& path, bool& exists) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      exists = false;
      return {};
    }
    throw Error(ErrorKind::no_input, fmt::format("cannot read resume file {}: {}", path, std::strerror(errno)));
  }
  exists = true;
  std::string text;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) {
      break;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      throw Error(ErrorKind::no_input, fmt::format("cannot read resume file {}: {}", path, std::strerror(error)));
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

[[noreturn]] void cannot_write(const std::string& path, int error) {
  throw Error(ErrorKind::output, fmt::format("cannot write resume file {}: {}", path, std::strerror(error)));
}

void write_all(int fd, const std::string& text, const std::string& path) {
  std::string_view left = text;
  while (!left.empty()) {
    const ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      cannot_write(path, error);
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

} // namespace

ResumeFile::ResumeFile(std::string path) : path_(std::move(path)), synced_(std::chrono::steady_clock::now()) {
  bool exists = false;
  const std::string text = read_whole(path_, exists);
  std::size_t line_number = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) {
      end = text.size();
    }
    const std::string_view line(text.data() + start, end - start);
    start = end + 1;
    ++line_number;
    const auto space = line.find(' ');
    if (space == std::string_view::npos || space + 1 == line.size()) {
      throw Error(ErrorKind::bad_data, fmt::format("resume file {} line {} is not 'ID KEY'", path_, line_number));
    }
    try {
      positions_[percent_decode(line.substr(space + 1))] = StreamId::parse(line.substr(0, space));
    } catch (const Error& error) {
      throw Error(ErrorKind::bad_data, fmt::format("resume file {} line {}: {}", path_, line_number, error.what()));
    }
  }
  saved_ = positions_;
  // An unwritable place is found now, before anything is read.
  const std::string probe = path_ + ".tmp";
  const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    cannot_write(path_, errno);
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

void ResumeFile::save(bool at_exit) {
  const auto now = std::chrono::steady_clock::now();
  const bool sync_due = at_exit || now - synced_ >= std::chrono::seconds(1);
  if (positions_ != saved_) {
    std::string text;
    for (const auto& [stream, id] : positions_) {
      text += fmt::format("{}-{} {}\n", id.ms, id.seq, encode_key(stream));
    }
    const std::string temporary = path_ + ".tmp";
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      cannot_write(path_, errno);
    }
    write_all(fd, text, path_);
    sync_and_close(fd, sync_due);
    if (::rename(temporary.c_str(), path_.c_str()) != 0) {
      cannot_write(path_, errno);
    }
    saved_ = positions_;
    unsynced_ = true;
  } else if (unsynced_ && sync_due) {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      cannot_write(path_, errno);
    }
    sync_and_close(fd, true);
  }
  if (!unsynced_ || !sync_due) {
    return;
  }
  // The rename is durable once the directory is synced too.
  const int dir = ::open(directory_of(path_).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  synced_ = now;
  unsynced_ = false;
}

std::optional<std::chrono::steady_clock::time_point> ResumeFile::sync_due() const {
  if (!unsynced_) {
    return std::nullopt;
  }
  return synced_ + std::chrono::seconds(1);
}

void ResumeFile::sync_and_close(int fd, bool sync) const {
  if (sync && ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    cannot_write(path_, error);
  }
  ::close(fd);
}

} // namespace statesync::tools
