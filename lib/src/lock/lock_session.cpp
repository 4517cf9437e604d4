// A lock held for a program's work: acquired on the caller's thread, its
// lease kept by Lock::keep on a thread of the session's own.

#include "util/deadline.hpp"

#include <statesync/error.hpp>
#include <statesync/lock_session.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <poll.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace statesync {
namespace {

int make_eventfd() {
  const int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) {
    throw Error(ErrorKind::internal, "cannot make an eventfd for a lock session");
  }
  return fd;
}

void raise(int fd) {
  const std::uint64_t one = 1;
  // Only fails when the counter is full: it is readable then anyway.
  [[maybe_unused]] const auto written = ::write(fd, &one, sizeof one);
}

} // namespace

struct LockSession::Impl {
  LockSessionOptions options;
  // The stop word to the keeper thread; also the link's wake fd, so that
  // a failover being followed ends when the session does.
  int stop_fd = make_eventfd();
  int lost_fd = make_eventfd();
  Link link;
  Lock lock;
  std::thread keeper;
  std::atomic<bool> lost{false};
  // The lease's give-up point as the session's thread last saw it: past
  // it, the lease counts as lost whatever that thread is waiting for.
  std::atomic<Clock::time_point> give_up_at{Clock::time_point::max()};
  mutable std::mutex mutex;
  std::string why; // guarded by mutex
  std::atomic<bool> released{false};

  explicit Impl(LockSessionOptions o) : options(std::move(o)), link(options.link), lock(link, options.lock) {
    link.set_wake_fd(stop_fd);
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() {
    ::close(stop_fd);
    ::close(lost_fd);
  }

  void note_give_up() { give_up_at = lock.lease_start() + lock.give_up_after(); }

  bool past_give_up() const { return !released && Clock::now() >= give_up_at.load(); }

  // The keeper thread: keep() by its times and whenever the server's
  // connection has something, until the lease is lost or the session ends.
  void keep() {
    for (;;) {
      LeaseNews news;
      try {
        news = lock.keep();
        note_give_up();
      } catch (const std::exception& error) {
        news.lost = error.what();
      }
      if (!news.lost.empty()) {
        return mark_lost(news.lost);
      }
      if (!news.held) {
        return;
      }
      int timeout = -1;
      if (news.next) {
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(*news.next - Clock::now()).count();
        timeout = static_cast<int>(std::clamp<long long>(left, 0, 1 << 30));
      }
      pollfd fds[2] = {{stop_fd, POLLIN, 0}, {lock.lease_fd(), POLLIN, 0}};
      if (::poll(fds, 2, timeout) < 0 && errno != EINTR) {
        return mark_lost("cannot wait for the lease's events");
      }
      if (fds[0].revents != 0) {
        return;
      }
    }
  }

  void mark_lost(const std::string& reason) {
    {
      const std::lock_guard<std::mutex> guard(mutex);
      why = reason;
    }
    lost = true;
    if (options.on_lost) {
      options.on_lost(reason);
    }
    raise(lost_fd);
  }

  // Ends the keeper thread; true when the lock is still ours to release.
  bool stop_keeping() {
    if (released) {
      return false;
    }
    released = true;
    raise(stop_fd);
    if (keeper.joinable()) {
      keeper.join();
    }
    if (lost) {
      return false;
    }
    // The stop word stays readable: the release must not be cut short by it.
    link.set_wake_fd(-1);
    return true;
  }

  bool release() { return stop_keeping() && lock.release(); }

  bool finish(const RunEnd& end) { return stop_keeping() && lock.finish(end).released; }
};

std::optional<LockSession> LockSession::start(LockSessionOptions options) {
  std::optional<Clock::time_point> deadline;
  if (options.wait) {
    deadline = Clock::now() + *options.wait;
  }
  auto impl = std::make_unique<Impl>(std::move(options));
  for (;;) {
    switch (impl->lock.acquire(deadline)) {
    case AcquireResult::acquired:
      impl->note_give_up();
      impl->keeper = std::thread([session = impl.get()] { session->keep(); });
      return LockSession(std::move(impl));
    case AcquireResult::timed_out:
    case AcquireResult::already_ran:
      return std::nullopt;
    case AcquireResult::interrupted:
      break; // a signal for the program: the wait goes on
    }
  }
}

LockSession::LockSession(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LockSession::LockSession(LockSession&&) noexcept = default;
LockSession& LockSession::operator=(LockSession&&) noexcept = default;

LockSession::~LockSession() {
  if (!impl_) {
    return;
  }
  try {
    impl_->release();
  } catch (const Error&) {
    // The lease runs out on its own.
  }
}

long long LockSession::fence() const noexcept {
  return impl_->lock.fence();
}

bool LockSession::lost() const noexcept {
  return impl_->lost || impl_->past_give_up();
}

std::string LockSession::lost_why() const {
  {
    const std::lock_guard<std::mutex> guard(impl_->mutex);
    if (!impl_->why.empty()) {
      return impl_->why;
    }
  }
  if (impl_->past_give_up()) {
    return fmt::format("not renewed within {}", detail::seconds_text(impl_->lock.give_up_after()));
  }
  return {};
}

int LockSession::lost_fd() const noexcept {
  return impl_->lost_fd;
}

bool LockSession::release() {
  return impl_->release();
}

bool LockSession::finish(const RunEnd& end) {
  return impl_->finish(end);
}

} // namespace statesync
