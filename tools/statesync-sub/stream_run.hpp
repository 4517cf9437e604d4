#pragma once
// statesync-sub --stream: the entry loop. Entries are written out (or
// handed to --exec) a burst at a time; only then are they acknowledged
// (--group) and recorded (--resume).

#include "command_runner.hpp"
#include "message_printer.hpp"
#include "options.hpp"

namespace statesync::tools {

// Returns the exit status; throws Error like the reader, OutputClosed.
int run_stream(const SubOptions& options, const MessagePrinter& printer, const CommandRunner* runner, int wake_fd);

} // namespace statesync::tools
