#pragma once
// mosquitto_sub's field widths (client/sub_client_output.c, 2.0.11), so
// that `-F '%10t|%-5l|%8x'` prints what mosquitto_sub prints:
//  - strings (%t): printf's %-W.Ps: padded with spaces, cut at the precision;
//  - numbers (%l): printf's %-Wd / %0Wd;
//  - payloads (%p %x %X): a width W also cuts the payload to W bytes, and
//    in hex to half of what is left; padding with the pad character (0 with
//    %0W) before, or spaces after with '-'. A '-' without a width pads
//    after with as many spaces as the payload has bytes. The precision is
//    ignored.

#include <string>
#include <string_view>

namespace statesync::tools {

struct FieldSpec {
  bool left = false; // '-'
  char pad = ' ';    // '0' with a leading 0
  int width = 0;
  int precision = -1;

  bool given() const noexcept { return left || pad != ' ' || width != 0 || precision != -1; }
};

void append_string_field(std::string& out, std::string_view value, const FieldSpec& spec);
void append_number_field(std::string& out, long long value, const FieldSpec& spec);
// `hex`: 0 raw bytes, 1 lower-case hex, 2 upper-case hex.
void append_payload_field(std::string& out, std::string_view payload, int hex, const FieldSpec& spec);

} // namespace statesync::tools
