#pragma once
// -F TEMPLATE: parsed once, up front (a bad template is a usage error
// before anything connects), then rendered for every message.
//
//   %t channel     %p payload        %P pattern (empty without -P)
//   %l length      %x payload in hex %b payload in base64
//   %I receive time, ISO 8601 UTC    %U receive time, Unix seconds.micros
//   %v version of a retained state (empty for a live message)
//   --watch: %e event (set, deleted), %y type (string, hash, ...; empty when deleted)
//   %% a percent sign; \n newline, \t tab, \r carriage return, \0 NUL, \\ backslash

#include "common/encoding.hpp"

#include <statesync/subscriber.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

// What only a watched key's change has (empty for a channel's message).
struct WatchFields {
  std::string_view event;
  std::string_view type;
};

class FormatTemplate {
public:
  // Throws Error(usage) naming the unknown or truncated field.
  static FormatTemplate parse(std::string_view text);

  void render(std::string& out, const Message& message, SystemTime received, const WatchFields& watch = {}) const;
  // Whether rendering needs the receive time (to read the clock only then).
  bool uses_time() const noexcept;

private:
  enum class Field {
    literal,
    channel,
    payload,
    pattern,
    length,
    hex,
    base64,
    iso_time,
    unix_time,
    version,
    event,
    type
  };
  struct Piece {
    Field field;
    std::string text; // literal only
  };
  std::vector<Piece> pieces_;
};

} // namespace statesync::tools
