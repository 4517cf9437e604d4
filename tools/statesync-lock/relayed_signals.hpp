#pragma once
// The signals statesync-lock passes on to the command's process group, and
// that end a wait for the lock without acquiring it.

#include <csignal>
#include <initializer_list>

namespace statesync::tools {

inline constexpr std::initializer_list<int> relayed_signals = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

inline bool is_relayed(int signal) {
  for (const int relayed : relayed_signals) {
    if (signal == relayed) {
      return true;
    }
  }
  return false;
}

} // namespace statesync::tools
