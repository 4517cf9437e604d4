#pragma once
// Writing data to standard output: unbuffered by stdio, so that every
// message reaches a pipe at once, and a closed pipe ends the tool quietly.

#include <string_view>

namespace statesync::tools {

// Thrown when the reader of standard output has gone away: not an error
// (`statesync-sub ch | head -1`); run_tool() ends the program with 0.
struct OutputClosed {};

// Writes all of `data` to standard output. Throws OutputClosed on a closed
// pipe and Error(output) on any other failure.
void write_stdout(std::string_view data);

} // namespace statesync::tools
