#include "live_view.hpp"

#include "common/output.hpp"
#include "common/signals.hpp"
#include "common/terminal.hpp"

#include <statesync/error.hpp>

#include <unistd.h>

namespace statesync::tools {
namespace {

constexpr auto redraw_gap = std::chrono::milliseconds(100); // at most 10 drawings a second
constexpr auto age_tick = std::chrono::seconds(1);

// The alternate screen (the shell's screen comes back at the end), cleared,
// the cursor hidden.
constexpr std::string_view take_screen = "\033[?1049h\033[H\033[2J\033[?25l";
constexpr std::string_view give_back_screen = "\033[?25h\033[?1049l";
constexpr std::string_view home = "\033[H";
constexpr std::string_view erase_line_rest = "\033[K";
constexpr std::string_view erase_screen_rest = "\033[J";
constexpr std::string_view bold = "\033[1m";
constexpr std::string_view plain = "\033[0m";

} // namespace

LiveView::LiveView(const std::vector<std::string>& channels, bool patterns) {
  if (::isatty(STDOUT_FILENO) != 1) {
    throw Error(ErrorKind::usage, "--live needs a terminal on standard output; for a pipe or a file use the line "
                                  "formats (the default, -v, -F or --json)");
  }
  const auto now = Clock::now();
  if (!patterns) {
    for (const auto& channel : channels) {
      table_.expect(channel, now);
    }
  }
  // Keys typed while the table shows would otherwise be echoed over it.
  termios input{};
  if (::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &input) == 0) {
    saved_input_ = input;
    input.c_lflag &= ~static_cast<tcflag_t>(ECHO | ICANON);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &input);
  }
  catch_resize();
  write_stdout(take_screen);
}

LiveView::~LiveView() {
  if (saved_input_) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &*saved_input_);
  }
  // Written directly: a destructor must not throw, and a terminal that has
  // gone needs no restoring.
  [[maybe_unused]] const auto written = ::write(STDOUT_FILENO, give_back_screen.data(), give_back_screen.size());
}

void LiveView::add(const Message& message) {
  table_.add(message, Clock::now());
  changed_ = true;
}

void LiveView::notice(const std::string& text) {
  notice_ = text;
  changed_ = true;
}

Clock::time_point LiveView::next_draw() const {
  return drawn_at_ + (changed_ ? redraw_gap : age_tick);
}

void LiveView::draw_if_due() {
  const auto now = Clock::now();
  const bool resized = take_resize();
  if (resized || now >= next_draw()) {
    draw(now);
  }
}

void LiveView::draw(Clock::time_point now) {
  const TerminalSize size = terminal_size();
  const std::size_t rows = notice_.empty() ? size.rows : size.rows - 1;
  const auto lines = table_.lines(size.columns, rows, now);
  std::string screen(home);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i == 0) {
      screen += bold;
      screen += lines[i];
      screen += plain;
    } else {
      screen += lines[i];
    }
    screen += erase_line_rest;
    // No newline after the screen's last line: it would scroll.
    if (i + 1 < size.rows) {
      screen += "\r\n";
    }
  }
  if (!notice_.empty()) {
    append_printable(screen, notice_, size.columns);
    screen += erase_line_rest;
  }
  screen += erase_screen_rest;
  write_stdout(screen);
  drawn_at_ = now;
  changed_ = false;
}

} // namespace statesync::tools
