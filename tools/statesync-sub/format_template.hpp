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
//   --watch: %e event (set, deleted)  %y type (string, hash, ...; empty when deleted)
//   --stream only: %i entry ID, %{NAME} the entry's field NAME (%p: the
//   payload field, %t: the stream key)
//   statesync-pub --request only: %h the responder's host, %s its command's
//   exit status ("timeout" when it was stopped), %L the reply's latency in
//   milliseconds (mosquitto_sub gives none of these letters a meaning)

#include "width_rules.hpp"

#include "common/encoding.hpp"

#include <statesync/stream_reader.hpp>
#include <statesync/subscriber.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace statesync::tools {

// What only a watched key's change has (empty for a channel's message).
struct WatchFields {
  std::string_view event;
  std::string_view type;
};

// What only a reply to statesync-pub --request has.
struct ReplyFields {
  std::string_view host;
  std::optional<int> status; // nullopt: the command timed out
  double latency_ms = 0;
};

class FormatTemplate {
public:
  // Throws Error(usage) naming the unknown or truncated field.
  static FormatTemplate parse(std::string_view text);

  // `watch`: a watched key's event and type (--watch); `entry`: the stream
  // entry the message stands for (--stream), or null.
  // `reply`: the reply the message stands for (statesync-pub --request), or null.
  void render(std::string& out, const Message& message, SystemTime received, const WatchFields& watch = {},
              const StreamEntry* entry = nullptr, const ReplyFields* reply = nullptr) const;
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
    entry_id,    // %i
    named,       // %{NAME}: text is the name
    strftime,    // text: the strftime(3) conversion, "%H"
    nanoseconds, // @N
    event,
    type,
    host,    // %h
    status,  // %s
    latency, // %L
  };
  struct Piece {
    Field field;
    std::string text; // literal, strftime, and a %{NAME} field's name
    FieldSpec spec;
  };
  void render_piece(std::string& out, const Piece& piece, const Message& message, SystemTime received,
                    const WatchFields& watch, const StreamEntry* entry, const ReplyFields* reply) const;

  std::vector<Piece> pieces_;
};

} // namespace statesync::tools
