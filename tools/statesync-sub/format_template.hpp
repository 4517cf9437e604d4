#pragma once
// -F TEMPLATE: parsed once, up front (a bad template is a usage error
// before anything connects), then rendered for every message.
//
//   %t channel     %p payload        %P pattern (empty without -P)
//   %l length      %x payload in hex %b payload in base64
//   %I receive time, ISO 8601 UTC    %U receive time, Unix seconds.micros
//   %v version of a retained state (empty for a live message)
//   --stream only: %i entry ID, %{NAME} the entry's field NAME (%p: the
//   payload field, %t: the stream key)
//   %% a percent sign; \n newline, \t tab, \r carriage return, \0 NUL, \\ backslash

#include "common/encoding.hpp"

#include <statesync/stream_reader.hpp>
#include <statesync/subscriber.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

class FormatTemplate {
public:
  // Throws Error(usage) naming the unknown or truncated field.
  static FormatTemplate parse(std::string_view text);

  // `entry`: the stream entry the message stands for (--stream), or null.
  void render(std::string& out, const Message& message, SystemTime received, const StreamEntry* entry = nullptr) const;
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
    entry_id,
    named
  };
  struct Piece {
    Field field;
    std::string text; // literal, or the field's name
  };
  std::vector<Piece> pieces_;
};

} // namespace statesync::tools
