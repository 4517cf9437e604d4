#include "wait_display.hpp"

#include "common/tool_main.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cstdio>

namespace statesync::tools {
namespace {} // namespace

std::string seconds_text(std::chrono::milliseconds duration) {
  return fmt::format("{:.1f}s", static_cast<double>(duration.count()) / 1000.0);
}

std::string utc_time_in(std::chrono::milliseconds from_now) {
  const auto when =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) + from_now;
  return utc_time(when.time_since_epoch().count());
}

std::string utc_time(long long unix_ms) {
  const std::chrono::sys_time<std::chrono::milliseconds> when{std::chrono::milliseconds(unix_ms)};
  return fmt::format("{:%Y-%m-%dT%H:%M:%S}.{:03}Z", std::chrono::floor<std::chrono::seconds>(when), unix_ms % 1000);
}

std::string describe_holder(const Holder& holder, bool since) {
  const std::string left = holder.left ? seconds_text(*holder.left) + " left" : "no expiry";
  if (!holder.ours) {
    return fmt::format("another client (token '{}', {})", holder.token, left);
  }
  if (holder.after_run && holder.left) {
    // The process has exited: saying "held by" alone would send someone
    // looking for it.
    return fmt::format("{}{} (fencing token {}), whose command has ended: post-run --hold until {}, {}", holder.who(),
                       since ? " since " + utc_time(holder.since_ms) : std::string(), holder.fence,
                       utc_time_in(*holder.left), left);
  }
  return fmt::format("{}{} (fencing token {}, for {}, {})", holder.who(),
                     since ? " since " + utc_time(holder.since_ms) : std::string(), holder.fence,
                     seconds_text(holder.held), left);
}

WaitDisplay::WaitDisplay(std::string name, bool verbose, bool live)
    : name_(std::move(name)), verbose_(verbose), live_(verbose && live) {}

WaitDisplay::~WaitDisplay() {
  done();
}

void WaitDisplay::refused(const Attempt& attempt) {
  if (!verbose_ || attempt.holders.empty()) {
    return;
  }
  const Holder& holder = attempt.holders.front();
  const std::string others =
      attempt.holder_count > 1 ? fmt::format(" and {} more", attempt.holder_count - 1) : std::string();
  if (live_) {
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
    const std::string line = fmt::format("\r\033[Kstatesync-lock: waiting for {} (held by {}{}, {}s)", name_,
                                         holder.who(), others, waited.count());
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    line_shown_ = true;
    return;
  }
  if (holder.token != last_token_) {
    last_token_ = holder.token;
    report(fmt::format("'{}' is held by {}{}", name_, describe_holder(holder), others));
  }
}

std::optional<std::chrono::milliseconds> WaitDisplay::refresh() const {
  if (live_) {
    return std::chrono::milliseconds(1000);
  }
  return std::nullopt;
}

void WaitDisplay::done() {
  if (line_shown_) {
    line_shown_ = false;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
  }
}

} // namespace statesync::tools
