#pragma once
// What statesync-sub says on standard error as its connection comes and
// goes, in one wording for channels, streams and keys. A first connection
// that --give-up lets wait is not a reconnection: it is "tried again"
// until the server is up, then "connected".

#include <string>
#include <string_view>

namespace statesync::tools {

class ConnectionNotices {
public:
  // The first connection failed; it is tried again until --give-up.
  std::string not_connected(const std::string& detail);
  // A connection lost; `meanwhile` says what happens to what is missed.
  static std::string lost(const std::string& detail, std::string_view meanwhile);
  // Connected at `where`: the first time (after not_connected) or again,
  // with `catch_up` saying what follows a reconnection.
  std::string back(const std::string& where, std::string_view catch_up);

private:
  bool never_connected_ = false;
};

} // namespace statesync::tools
