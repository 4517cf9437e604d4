#pragma once
// -F TEMPLATE: parsed once, up front (a bad template is a usage error
// before anything connects), then rendered for every message. The
// language is mosquitto_sub's where the two overlap, byte for byte:
//
//   %t channel     %p payload        %l length    %x / %X payload in hex
//   %[-][0][WIDTH][.PRECISION] on %t %p %l %x %X %I %P, with mosquitto_sub's
//   rules (a width also cuts %p %x %X: see width_rules.hpp)
//   @c             strftime's %c of the receive time (local), @N nanoseconds, @@ an @
//   %% a percent sign; \n \t \r \0 \\ \a \e \v escapes
//
// and statesync's own fields:
//   %P pattern (empty without -P)     %b payload in base64
//   %I receive time, ISO 8601 UTC     %U receive time, Unix seconds.micros
//   %v version of a retained state    %j the --json object

#include "width_rules.hpp"

#include "common/encoding.hpp"

#include <statesync/subscriber.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

class FormatTemplate {
public:
  // Throws Error(usage) naming the unknown or truncated field.
  static FormatTemplate parse(std::string_view text);

  void render(std::string& out, const Message& message, SystemTime received) const;
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
    hex_upper,
    base64,
    iso_time,
    unix_time,
    version,
    json,
    strftime,    // text: the strftime(3) conversion, "%H"
    nanoseconds, // @N
  };
  struct Piece {
    Field field;
    std::string text; // literal and strftime only
    FieldSpec spec;
  };
  void render_piece(std::string& out, const Piece& piece, const Message& message, SystemTime received) const;

  std::vector<Piece> pieces_;
};

} // namespace statesync::tools
