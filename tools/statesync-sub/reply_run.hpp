#pragma once
// statesync-sub --reply: a responder. Each request's payload goes to the
// --exec command's standard input; its standard output, the host name and
// its exit status are the reply. Commands run on worker threads (up to
// --reply-parallel at once) so that the presence entries are refreshed
// and new requests read while they run.

#include "command_runner.hpp"
#include "options.hpp"

namespace statesync::tools {

int run_reply(const SubOptions& options, const CommandRunner& runner);

} // namespace statesync::tools
