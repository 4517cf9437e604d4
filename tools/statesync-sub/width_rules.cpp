#include "width_rules.hpp"

#include "common/encoding.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace statesync::tools {

void append_string_field(std::string& out, std::string_view value, const FieldSpec& spec) {
  if (spec.precision >= 0) {
    value = value.substr(0, static_cast<std::size_t>(spec.precision));
  }
  const std::size_t padding =
      spec.width > 0 ? std::max(static_cast<std::size_t>(spec.width), value.size()) - value.size() : 0;
  if (!spec.left) {
    out.append(padding, ' ');
  }
  out += value;
  if (spec.left) {
    out.append(padding, ' ');
  }
}

void append_number_field(std::string& out, long long value, const FieldSpec& spec) {
  if (spec.width == 0) {
    fmt::format_to(std::back_inserter(out), "{}", value);
  } else if (spec.left) {
    fmt::format_to(std::back_inserter(out), "{:<{}}", value, spec.width);
  } else if (spec.pad == '0') {
    fmt::format_to(std::back_inserter(out), "{:0{}}", value, spec.width);
  } else {
    fmt::format_to(std::back_inserter(out), "{:{}}", value, spec.width);
  }
}

void append_payload_field(std::string& out, std::string_view payload, int hex, const FieldSpec& spec) {
  long long length = static_cast<long long>(payload.size());
  long long padding = 0;
  if (spec.width > 0) {
    length = std::min<long long>(length, spec.width);
    if (hex > 0) {
      length /= 2;
      padding = spec.width - length * 2;
    } else {
      padding = spec.width - length;
    }
  } else {
    padding = -length; // printf("%*s", -length, "") pads that much after
  }
  if (!spec.left && padding > 0) {
    out.append(static_cast<std::size_t>(padding), spec.pad);
  }
  const std::string_view shown = payload.substr(0, static_cast<std::size_t>(length));
  if (hex == 0) {
    out += shown;
  } else {
    append_hex(out, shown, hex == 2);
  }
  if (spec.left) {
    out.append(static_cast<std::size_t>(padding < 0 ? -padding : padding), ' ');
  }
}

} // namespace statesync::tools
