#include "reply_printer.hpp"

#include "statesync-sub/message_printer.hpp"

namespace statesync::tools {

ReplyPrinter::ReplyPrinter(const PubRequestArgs& args, bool verbose)
    : style_(args.json     ? Style::json
             : args.format ? Style::format
             : verbose     ? Style::host_and_output
                           : Style::output) {
  if (args.format) {
    template_ = FormatTemplate::parse(*args.format);
  }
}

void ReplyPrinter::append(std::string& out, std::string_view channel, const RequestReply& reply) const {
  const SystemTime received = std::chrono::system_clock::now();
  Message message;
  message.channel = std::string(channel);
  message.payload = reply.output;
  const ReplyFields fields{reply.host, reply.timed_out ? std::nullopt : std::optional<int>(reply.status),
                           std::chrono::duration<double, std::milli>(reply.latency).count()};
  switch (style_) {
  case Style::output:
    out += reply.output;
    break;
  case Style::host_and_output:
    out += reply.host;
    out += ' ';
    out += reply.output;
    break;
  case Style::format:
    template_->render(out, message, received, {}, nullptr, &fields);
    break;
  case Style::json:
    append_reply_json(out, message, received, fields);
    break;
  }
  out += '\n';
}

} // namespace statesync::tools
