#pragma once
// A password given with -a or inside a -u URL is visible to every user in
// the process list. Once the options are parsed, we overwrite it in argv
// (which is what /proc/PID/cmdline and ps show). There is still a window
// between exec and this point: the man pages recommend STATESYNC_AUTH.

namespace statesync::tools {

// Overwrites the password characters of -a/--pass values and of URL
// user-info in argv with '*', up to a "--" that ends the options.
void hide_secrets_in_argv(int argc, char** argv) noexcept;

} // namespace statesync::tools
