#pragma once
// How statesync-pub --request prints a reply: its output (default), the
// host and the output (-v), a template (-F, statesync-sub's language with
// the reply's fields) or a JSON object (--json); then a newline.

#include "request_options.hpp"

#include "statesync-sub/format_template.hpp"

#include <statesync/request.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace statesync::tools {

class ReplyPrinter {
public:
  // Throws Error(usage) for a bad template.
  ReplyPrinter(const PubRequestArgs& args, bool verbose);

  void append(std::string& out, std::string_view channel, const RequestReply& reply) const;

private:
  enum class Style { output, host_and_output, format, json };
  Style style_;
  std::optional<FormatTemplate> template_;
};

} // namespace statesync::tools
