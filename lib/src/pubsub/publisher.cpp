// Publishing: PUBLISH or SPUBLISH, the retain and clear scripts, and the
// pipelined stream with its bounded window.

#include "protocol/script.hpp"
#include "topology/redirect.hpp"

#include <statesync/error.hpp>
#include <statesync/publisher.hpp>

#include <fmt/format.h>

#include <array>
#include <iterator>
#include <optional>

namespace statesync {
namespace {

std::string_view publish_command(const PublisherOptions& options) {
  return options.sharded ? "SPUBLISH" : "PUBLISH";
}

// Channel names are binary-safe; messages about them must stay one line.
std::string printable(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f || c == '\\') {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out;
}

[[noreturn]] void refused(const Connection& connection, std::string_view channel, const Reply& reply) {
  throw Error(reply, fmt::format("cannot publish to '{}' at {}", printable(channel), connection.where()));
}

Error unexpected(const Connection& connection, const char* what, const Reply& reply) {
  return Error(ErrorKind::protocol,
               fmt::format("unexpected reply to {} from {}: {}", what, connection.where(), reply.describe()));
}

// {receivers, second}: what both scripts return.
bool is_pair_of_integers(const Reply& reply) {
  return reply.type == Reply::Type::array && reply.elements.size() == 2 &&
         reply.elements[0].type == Reply::Type::integer && reply.elements[1].type == Reply::Type::integer;
}

// The retain script's keys and arguments, owning what the views need.
struct RetainArgs {
  std::string key;
  std::string ttl_ms;
  std::string index;
  std::string version_channel;
  std::array<std::string_view, 9> keys_and_args;

  RetainArgs(const PublisherOptions& options, std::string_view channel, std::string_view payload,
             std::chrono::milliseconds ttl)
      : key(retained_state_key(options.key_prefix, channel)), ttl_ms(std::to_string(ttl.count())),
        index(retained_index_key(options.key_prefix)),
        version_channel(retained_version_channel(options.key_prefix, channel)), keys_and_args{key,
                                                                                              channel,
                                                                                              payload,
                                                                                              ttl_ms,
                                                                                              publish_command(options),
                                                                                              retained_payload_field,
                                                                                              retained_version_field,
                                                                                              index,
                                                                                              version_channel} {}
  RetainArgs(const RetainArgs&) = delete;
  RetainArgs& operator=(const RetainArgs&) = delete;
};

// The clear script's keys and arguments.
struct ClearArgs {
  std::string key;
  std::string index;
  std::string version_channel;
  std::array<std::string_view, 5> keys_and_args;

  ClearArgs(const PublisherOptions& options, std::string_view channel)
      : key(retained_state_key(options.key_prefix, channel)), index(retained_index_key(options.key_prefix)),
        version_channel(retained_version_channel(options.key_prefix, channel)), keys_and_args{key, channel,
                                                                                              publish_command(options),
                                                                                              index, version_channel} {}
  ClearArgs(const ClearArgs&) = delete;
  ClearArgs& operator=(const ClearArgs&) = delete;
};

} // namespace

Publisher::Publisher(Connection& connection, PublisherOptions options)
    : connection_(connection), options_(std::move(options)) {}

long long Publisher::publish(std::string_view channel, std::string_view payload) {
  const std::array<std::string_view, 3> args = {publish_command(options_), channel, payload};
  const Reply reply = detail::call(connection_, args);
  if (reply.is_error()) {
    refused(connection_, channel, reply);
  }
  if (reply.type != Reply::Type::integer) {
    throw unexpected(connection_, "PUBLISH", reply);
  }
  return reply.integer;
}

Retained Publisher::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  const RetainArgs args(options_, channel, payload, ttl);
  const Reply reply = detail::retain_publish_script().run(connection_, args.keys_and_args);
  if (reply.is_error()) {
    refused(connection_, channel, reply);
  }
  if (!is_pair_of_integers(reply)) {
    throw unexpected(connection_, "the retain script", reply);
  }
  return {reply.elements[0].integer, reply.elements[1].integer};
}

Cleared Publisher::clear(std::string_view channel) {
  const ClearArgs args(options_, channel);
  const Reply reply = detail::clear_retained_script().run(connection_, args.keys_and_args);
  if (reply.is_error()) {
    refused(connection_, channel, reply);
  }
  if (!is_pair_of_integers(reply)) {
    throw unexpected(connection_, "the clear script", reply);
  }
  return {reply.elements[0].integer, reply.elements[1].integer != 0};
}

PublishStream::PublishStream(Publisher& publisher, OnAck on_ack, StreamWindow window)
    : publisher_(publisher), on_ack_(std::move(on_ack)), window_(window) {
  if (window_.commands == 0) {
    window_.commands = 1;
  }
}

void PublishStream::publish(std::string_view channel, std::string_view payload) {
  fail_if_failed();
  ++sent_;
  if (window_.resumable || send_next_alone_) {
    return send_command(false, channel, payload, {});
  }
  // The common case, kept as short as it was before streams could resume.
  publisher_.connection().append({publish_command(publisher_.options()), channel, payload});
  in_flight_.push_back(false);
  after_append();
}

void PublishStream::retain(std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  fail_if_failed();
  ++sent_;
  send_command(true, channel, payload, ttl);
}

void PublishStream::resume() {
  if (!window_.resumable) {
    throw Error(ErrorKind::usage, "this stream keeps no copies to send again");
  }
  error_.reset();
  failed_ = 0;
  // The new server may not have the retain script cached.
  send_next_alone_ = true;
  std::deque<PendingMessage> again;
  again.swap(unacknowledged_);
  for (std::size_t i = 0; i < again.size(); ++i) {
    try {
      send_command(again[i].retained, again[i].channel, again[i].payload, again[i].ttl);
    } catch (const Error&) {
      // The failed one is kept already; the rest waits its turn too.
      std::move(again.begin() + static_cast<std::ptrdiff_t>(i) + 1, again.end(), std::back_inserter(unacknowledged_));
      throw;
    }
  }
}

std::deque<PendingMessage> PublishStream::take_unacknowledged() {
  std::deque<PendingMessage> taken;
  taken.swap(unacknowledged_);
  return taken;
}

void PublishStream::send_command(bool retained, std::string_view channel, std::string_view payload,
                                 std::chrono::milliseconds ttl) {
  // Copied before anything can fail, so that a failure keeps it.
  if (window_.resumable) {
    copies_.push_back({retained, std::string(channel), std::string(payload), ttl});
  }
  Connection& connection = publisher_.connection();
  const std::array<std::string_view, 3> publish_args = {publish_command(publisher_.options()), channel, payload};
  std::optional<RetainArgs> retain_args;
  if (retained) {
    retain_args.emplace(publisher_.options(), channel, payload, ttl);
  }
  const detail::Script& script = detail::retain_publish_script();
  if (send_next_alone_) {
    // A NOSCRIPT is answered with EVAL, a MOVED followed; after it the
    // server has the script and EVALSHA can be pipelined. (A SCRIPT FLUSH
    // in the middle of a stream is then an error reply like any other:
    // the payloads already sent are gone.)
    finish(); // on failure, fail() moved the copy to unacknowledged_
    in_flight_.push_back(retained);
    try {
      take_reply(retained ? script.run(connection, retain_args->keys_and_args)
                          : detail::call(connection, publish_args));
    } catch (const Error& error) {
      fail(error);
    }
    fail_if_failed();
    send_next_alone_ = false;
    return;
  }
  if (retained) {
    connection.append(script.arguments(true, retain_args->keys_and_args));
  } else {
    connection.append(publish_args);
  }
  in_flight_.push_back(retained);
  after_append();
}

void PublishStream::send() {
  flush();
  take_ready();
}

void PublishStream::finish() {
  take(0);
}

void PublishStream::after_append() {
  if (in_flight_.size() >= window_.commands) {
    // Half the window is taken back at once, so that the pipe stays full
    // and the socket is not written once per command.
    take(window_.commands / 2);
  } else if (publisher_.connection().pending_output() >= window_.bytes) {
    flush();
    take_ready();
  }
}

void PublishStream::flush() {
  Connection& connection = publisher_.connection();
  try {
    connection.flush();
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::unavailable) {
      fail(error);
    }
    // The server may have said why before it closed (see detail::call):
    // read what it sent; an error reply among it becomes the failure.
    try {
      while (!in_flight_.empty()) {
        take_reply(connection.read_reply());
      }
    } catch (const Error&) {
      // Nothing more to read.
    }
    fail(error);
  }
}

void PublishStream::take(std::size_t keep_in_flight) {
  flush();
  try {
    // After an error reply every reply still in flight is read all the
    // same: the messages behind it were published, and are counted.
    while (in_flight_.size() > (error_ ? 0 : keep_in_flight)) {
      take_reply(publisher_.connection().read_reply());
    }
  } catch (const Error& error) {
    fail(error);
  }
  fail_if_failed();
}

void PublishStream::take_ready() {
  try {
    while (!in_flight_.empty()) {
      auto reply = publisher_.connection().read_reply_until(Clock::now());
      if (!reply) {
        break;
      }
      take_reply(*reply);
    }
  } catch (const Error& error) {
    fail(error);
  }
  if (error_) {
    take(0);
  }
}

void PublishStream::take_reply(Reply reply) {
  const bool retained = in_flight_.front();
  in_flight_.pop_front();
  std::optional<PendingMessage> copy;
  if (window_.resumable) {
    copy = std::move(copies_.front());
    copies_.pop_front();
    reply = ask(reply, *copy);
  }
  const std::uint64_t message = acknowledged_ + failed_ + 1;
  const Connection& connection = publisher_.connection();
  if (reply.is_error()) {
    ++failed_;
    if (copy) {
      unacknowledged_.push_back(std::move(*copy));
    }
    if (!error_) {
      error_ = Error(reply, fmt::format("message {} failed at {}", message, connection.where()));
    }
    return;
  }
  Acknowledgement ack{message, 0, 0};
  if (retained && is_pair_of_integers(reply)) {
    ack.receivers = reply.elements[0].integer;
    ack.version = reply.elements[1].integer;
  } else if (!retained && reply.type == Reply::Type::integer) {
    ack.receivers = reply.integer;
  } else {
    ++failed_;
    if (!error_) {
      error_ = unexpected(connection, retained ? "the retain script" : "PUBLISH", reply);
    }
    return;
  }
  ++acknowledged_;
  on_ack_(ack);
}

Reply PublishStream::ask(const Reply& reply, const PendingMessage& copy) {
  const auto to = detail::redirection(reply);
  if (!to || reply.error_code != ServerError::ask) {
    return reply; // MOVED is a failover: resume() sends it again
  }
  // The commands behind it in the pipeline were for keys still here, or
  // were ASKed too and come here in turn: each channel keeps its order.
  // EVAL, not EVALSHA: the other node may not have the script.
  const Connection& connection = publisher_.connection();
  if (!copy.retained) {
    return detail::ask(connection, to->node, {{publish_command(publisher_.options()), copy.channel, copy.payload}},
                       asked_);
  }
  const RetainArgs args(publisher_.options(), copy.channel, copy.payload, copy.ttl);
  return detail::ask(connection, to->node, detail::retain_publish_script().arguments(false, args.keys_and_args),
                     asked_);
}

void PublishStream::fail_if_failed() {
  if (error_) {
    throw *error_;
  }
}

void PublishStream::fail(const Error& error) {
  if (!error_) {
    error_ = error;
  }
  // Copies not yet answered (those after an error reply's, and a retained
  // message that could not go out) are sent again by resume().
  std::move(copies_.begin(), copies_.end(), std::back_inserter(unacknowledged_));
  copies_.clear();
  in_flight_.clear();
  throw *error_;
}

} // namespace statesync
