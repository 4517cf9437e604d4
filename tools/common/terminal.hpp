#pragma once
// What standard output is: a terminal that wants colour, and its size.

#include <cstddef>

namespace statesync::tools {

// Standard output is a terminal and NO_COLOR is unset or empty.
bool colour_wanted();

struct TerminalSize {
  std::size_t columns = 80;
  std::size_t rows = 24;
};

// Standard output's terminal size; 80x24 when it is not a terminal.
TerminalSize terminal_size();

} // namespace statesync::tools
