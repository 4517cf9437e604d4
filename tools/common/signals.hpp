#pragma once
// Signal handling that only records: a handler sets a flag and writes a
// byte to a self-pipe, and the tool acts on it in its own loop.

#include <initializer_list>

namespace statesync::tools {

// Installs recording handlers for `signals` (without SA_RESTART, so that
// blocking calls return and the tool can look).
void catch_signals(std::initializer_list<int> signals);

// A caught signal not yet taken, or 0; taking clears it. Each signal has
// its own flag, so none is lost to another caught after it: while more
// wait (the lowest number is taken first, SIGCHLD after the ones that end
// a tool), signal_fd() stays readable.
int take_signal() noexcept;
// The last caught signal, or 0; it stays.
int caught_signal() noexcept;

// SIGWINCH, recorded apart from the signals that end the tool (it does
// not count as caught), but waking the same waits.
void catch_resize();
// Whether the terminal was resized since the last call.
bool take_resize() noexcept;

// Readable while a caught signal waits to be taken: for poll().
int signal_fd() noexcept;

} // namespace statesync::tools
