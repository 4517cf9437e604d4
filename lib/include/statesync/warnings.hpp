#pragma once
// What the library has to say that is not an error: something it chose to
// go on after, which the user may want to know (a password given to a
// server that has none). The library never prints; a program that wants
// these sets a handler, called on the thread of the call that met it. The
// same warning may come again (every reconnect meets it anew).

#include <statesync/export.hpp>

#include <string_view>

namespace statesync {

using WarningHandler = void (*)(std::string_view message); // gets one line, without a newline

// nullptr (the default): warnings are dropped. Safe from any thread.
STATESYNC_API void set_warning_handler(WarningHandler handler) noexcept;

} // namespace statesync
