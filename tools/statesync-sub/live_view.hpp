#pragma once
// statesync-sub --live: the LiveTable on a terminal, updated in place.
// Plain ANSI sequences (the alternate screen, cursor home, erase to the end
// of the line and of the screen, hide and show the cursor), which xterm,
// VTE, konsole, tmux, screen and the Linux console understand; ncurses
// would bring a dependency and its own SIGWINCH and signal handling, which
// the tool's loop already has, for these five sequences.

#include "live_table.hpp"

#include <statesync/subscriber.hpp>

#include <termios.h>

#include <optional>
#include <string>
#include <vector>

namespace statesync::tools {

class LiveView {
public:
  // Takes the terminal: the alternate screen, no cursor, no echo of keys.
  // Throws Error(usage) when standard output is not a terminal.
  LiveView(const std::vector<std::string>& channels, bool patterns);
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;
  // Gives the terminal back as it was: also when an exception ends the tool.
  ~LiveView();

  void add(const Message& message);
  // A notice (connection lost, reconnected) shown on the last line instead
  // of written over the table on standard error.
  void notice(const std::string& text);

  // Draws if something changed and the last drawing is 100 ms old, if a
  // second has passed (the ages move on), or if the terminal was resized.
  void draw_if_due();
  // When draw_if_due() will have something to do.
  Clock::time_point next_draw() const;

private:
  void draw(Clock::time_point now);

  LiveTable table_;
  std::string notice_;
  bool changed_ = true;
  Clock::time_point drawn_at_{};
  std::optional<termios> saved_input_;
};

} // namespace statesync::tools
