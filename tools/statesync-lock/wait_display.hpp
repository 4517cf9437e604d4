#pragma once
// What --verbose says while waiting for a lock: who holds it, on standard
// error; on a terminal, one live line ("waiting for NAME (held by
// host:pid, 12s)") rewritten in place until the wait ends.

#include <statesync/lock.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace statesync::tools {

// "web1:4242 (fencing token 7, for 12.0s, 18.0s left)"; with `since`,
// "web1:4242 since 2026-11-27T09:00:00.000Z (...)" (the server's clock).
std::string describe_holder(const Holder& holder, bool since = false);

// "2026-11-27T09:00:00.123Z"
std::string utc_time(long long unix_ms);
// That of now plus `from_now`, by this host's clock.
std::string utc_time_in(std::chrono::milliseconds from_now);

// "2.5s".
std::string seconds_text(std::chrono::milliseconds duration);

class WaitDisplay {
public:
  WaitDisplay(std::string name, bool verbose, bool live);
  WaitDisplay(const WaitDisplay&) = delete;
  WaitDisplay& operator=(const WaitDisplay&) = delete;
  ~WaitDisplay();

  // After each refused attempt.
  void refused(const Attempt& attempt);
  // How often the live line wants a refresh, if it is shown.
  std::optional<std::chrono::milliseconds> refresh() const;
  // Clears the live line.
  void done();

private:
  std::string name_;
  bool verbose_;
  bool live_;
  bool line_shown_ = false;
  std::string last_token_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

} // namespace statesync::tools
