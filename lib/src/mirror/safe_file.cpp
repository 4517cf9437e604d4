#include "safe_file.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace statesync::mirror {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& path, int error) {
  throw Error(ErrorKind::output, fmt::format("cannot {} {}: {}", what, path, std::strerror(error)));
}

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) {
    return ".";
  }
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    fail("open the directory", dir, errno);
  }
  const int synced = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (synced != 0) {
    fail("fsync the directory", dir, error);
  }
}

void write_all(int fd, const std::string& content, const std::string& path) {
  std::string_view left = content;
  while (!left.empty()) {
    const ssize_t n = ::write(fd, left.data(), left.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      fail("write", path, errno);
    }
    left.remove_prefix(static_cast<std::size_t>(n));
  }
}

} // namespace

std::string real_target(const std::string& path) {
  std::string current = path;
  // As many links as the kernel follows (its MAXSYMLINKS), then ELOOP.
  for (int links = 0; links < 40; ++links) {
    struct stat info {};
    if (::lstat(current.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) {
      char resolved[PATH_MAX];
      if (::realpath(dir_of(current).c_str(), resolved) == nullptr) {
        fail("find the directory of", current, errno);
      }
      const std::string dir = resolved;
      return (dir == "/" ? "" : dir) + "/" + base_of(current);
    }
    char target[PATH_MAX];
    const ssize_t n = ::readlink(current.c_str(), target, sizeof target - 1);
    if (n < 0) {
      fail("read the symbolic link", current, errno);
    }
    const std::string next(target, static_cast<std::size_t>(n));
    current = next.front() == '/' ? next : dir_of(current) + "/" + next;
  }
  fail("follow the symbolic links of", path, ELOOP);
}

std::optional<std::string> read_content(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return std::nullopt;
    }
    fail("read", path, errno);
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      const int error = errno;
      ::close(fd);
      fail("read", path, error);
    }
    if (n == 0) {
      break;
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return content;
}

StagedFile::StagedFile(const std::string& target, const std::string& content, unsigned mode) : target_(target) {
  // Hidden, and ending in random letters: no `*.conf` (or any suffix)
  // glob of a service that reads a directory picks it up. The base name is
  // cut so that the temporary name stays within NAME_MAX.
  std::string pattern = dir_of(target) + "/." + base_of(target).substr(0, 200) + ".statesync-XXXXXX";
  const int fd = ::mkostemp(pattern.data(), O_CLOEXEC);
  if (fd < 0) {
    fail("create a temporary file beside", target, errno);
  }
  temp_ = pattern;
  try {
    struct stat existing {};
    if (::stat(target.c_str(), &existing) == 0 && ::fchown(fd, existing.st_uid, existing.st_gid) != 0) {
      // Never a file silently given to someone else: refused, not changed.
      throw Error(ErrorKind::output, fmt::format("cannot keep the owner of {} (uid {}, gid {}): {}; not replaced",
                                                 target, existing.st_uid, existing.st_gid, std::strerror(errno)));
    }
    if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) {
      fail("set the mode of", temp_, errno);
    }
    write_all(fd, content, temp_);
    if (::fsync(fd) != 0) {
      fail("fsync", temp_, errno);
    }
  } catch (...) {
    ::close(fd);
    ::unlink(temp_.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp_.c_str());
    fail("write", temp_, error);
  }
}

StagedFile::~StagedFile() {
  if (!placed_) {
    ::unlink(temp_.c_str());
  }
}

void StagedFile::put_in_place() {
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    if (errno == EBUSY || errno == EXDEV) {
      // A bind-mounted file (a container's config, say) is a mount point:
      // rename cannot replace it, and writing it in place would let a
      // reader see part of a file.
      throw Error(ErrorKind::output,
                  fmt::format("cannot replace {}: it is a mount point (a bind-mounted file?), which rename cannot "
                              "replace: mirror to the file it is mounted from, or mount its directory",
                              target_));
    }
    fail("rename a temporary file over", target_, errno);
  }
  placed_ = true;
  fsync_dir(dir_of(target_));
}

void remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) {
      return;
    }
    fail("remove", path, errno);
  }
  fsync_dir(dir_of(path));
}

} // namespace statesync::mirror
