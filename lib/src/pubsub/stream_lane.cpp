// A record stream's pipeline to one server, with its bounded window.

#include "pubsub/stream_lane.hpp"

#include "protocol/script.hpp"
#include "protocol/unexpected_reply.hpp"
#include "pubsub/publish_commands.hpp"
#include "topology/redirect.hpp"

#include <statesync/error.hpp>

#include <fmt/format.h>

#include <array>
#include <iterator>

namespace statesync::detail {

StreamLane::StreamLane(Link& link, Connection& connection, const PublisherOptions& options,
                       std::function<void(Acknowledgement)> acknowledge, const std::uint64_t& acknowledged,
                       StreamWindow window, bool keep_copies, std::uint64_t& copied)
    : link_(link), connection_(&connection), options_(options), acknowledge_(std::move(acknowledge)),
      acknowledged_(acknowledged), window_(window), keep_copies_(keep_copies), copied_(copied),
      replicas_(window.wait_replicas, connection.endpoint().reply_timeout, link.options().reconnect.give_up_after) {
  if (window_.commands == 0) {
    window_.commands = 1;
  }
}

void StreamLane::put(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl) {
  fail_if_failed();
  if (!retained && !keep_copies_ && !send_next_alone_) {
    // The common case, kept as short as it can be.
    connection_->append({publish_command(options_), channel, payload});
    in_flight_.push_back(Sent::publish);
    return after_append();
  }
  // Copied before anything can fail, so that a failure keeps it.
  if (keep_copies_) {
    copies_.push_back({retained, std::string(channel), std::string(payload), ttl});
    ++copied_;
  }
  const std::array<std::string_view, 3> publish_args = {publish_command(options_), channel, payload};
  std::optional<RetainArgs> retain_args;
  if (retained) {
    retain_args.emplace(options_, channel, payload, ttl);
  }
  const Script& script = retain_publish_script();
  const Sent sent = retained ? Sent::retain : Sent::publish;
  if (send_next_alone_) {
    finish(); // on failure, fail() moved the copy to unacknowledged_
    in_flight_.push_back(sent);
    try {
      take_reply(retained ? script.run(link_, retain_args->key, retain_args->keys_and_args)
                          : link_.command(publish_args, channel));
    } catch (const Error& error) {
      fail(error);
    }
    fail_if_failed();
    send_next_alone_ = false;
    if (replicas_.enabled()) {
      ++since_wait_;
      finish(); // its WAIT
    }
    return;
  }
  if (retained) {
    connection_->append(script.arguments(true, retain_args->keys_and_args));
  } else {
    connection_->append(publish_args);
  }
  in_flight_.push_back(sent);
  after_append();
}

void StreamLane::send() {
  append_wait();
  flush();
  take_ready();
}

void StreamLane::finish() {
  append_wait();
  take(0);
}

void StreamLane::append_wait() {
  if (!replicas_.enabled() || since_wait_ == 0) {
    return;
  }
  replicas_.append(*connection_);
  in_flight_.push_back(Sent::wait);
  since_wait_ = 0;
}

void StreamLane::resend_held() {
  std::move(held_copies_.begin(), held_copies_.end(), std::back_inserter(unacknowledged_));
  held_copies_.clear();
  held_acks_.clear();
}

std::deque<PendingMessage> StreamLane::take_unacknowledged() {
  resend_held();
  std::move(copies_.begin(), copies_.end(), std::back_inserter(unacknowledged_));
  copies_.clear();
  in_flight_.clear();
  std::deque<PendingMessage> taken;
  taken.swap(unacknowledged_);
  return taken;
}

void StreamLane::after_append() {
  if (replicas_.enabled() && ++since_wait_ >= ReplicaWait::batch(window_.commands)) {
    append_wait();
  }
  if (in_flight_.size() >= window_.commands) {
    // Half the window is taken back at once, so that the pipe stays full
    // and the socket is not written once per command.
    take(window_.commands / 2);
  } else if (connection_->pending_output() >= window_.bytes) {
    flush();
    take_ready();
  }
}

void StreamLane::flush() {
  try {
    connection_->flush();
  } catch (const Error& error) {
    if (error.kind() != ErrorKind::unavailable) {
      fail(error);
    }
    // The server may have said why before it closed (see detail::call):
    // read what it sent; an error reply among it becomes the failure.
    try {
      while (!in_flight_.empty()) {
        take_reply(connection_->read_reply());
      }
    } catch (const Error&) {
      // Nothing more to read.
    }
    fail(error);
  }
}

void StreamLane::take(std::size_t keep_in_flight) {
  flush();
  try {
    // After an error reply every reply still in flight is read all the
    // same: the messages behind it were published, and are counted.
    while (in_flight_.size() > (error_ ? 0 : keep_in_flight)) {
      take_reply(connection_->read_reply());
    }
  } catch (const Error& error) {
    fail(error);
  }
  fail_if_failed();
}

void StreamLane::take_ready() {
  try {
    while (!in_flight_.empty()) {
      auto reply = connection_->read_reply_until(Clock::now());
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

void StreamLane::take_reply(Reply reply) {
  if (in_flight_.front() == Sent::wait) {
    in_flight_.pop_front();
    return take_wait_reply(reply);
  }
  if (keep_copies_) {
    // The copy stays queued until the reply is known: an ASK whose target
    // cannot be reached leaves it to be sent again.
    reply = ask(reply, copies_.front());
  }
  const bool retained = in_flight_.front() == Sent::retain;
  in_flight_.pop_front();
  std::optional<PendingMessage> copy;
  if (keep_copies_) {
    copy = std::move(copies_.front());
    copies_.pop_front();
  }
  const std::uint64_t message = acknowledged_ + held_acks_.size() + failed_ + 1;
  if (reply.is_error()) {
    ++failed_;
    resend_held(); // in order, ahead of it
    if (copy) {
      unacknowledged_.push_back(std::move(*copy));
    }
    if (!error_) {
      error_ = Error(reply, fmt::format("message {} failed at {}", message, connection_->where()));
    }
    return;
  }
  Acknowledgement ack{0, 0, 0, {}};
  if (retained && is_pair_of_integers(reply)) {
    ack.receivers = reply.elements[0].integer;
    ack.version = reply.elements[1].integer;
  } else if (!retained && reply.type == Reply::Type::integer) {
    ack.receivers = reply.integer;
  } else {
    ++failed_;
    if (!error_) {
      error_ = unexpected_reply(connection_->where(), retained ? "the retain script" : "PUBLISH", reply);
    }
    return;
  }
  if (!replicas_.enabled()) {
    return acknowledge_(ack);
  }
  held_acks_.push_back(ack);
  if (copy) {
    held_copies_.push_back(std::move(*copy));
  }
}

void StreamLane::take_wait_reply(const Reply& reply) {
  try {
    if (!replicas_.confirmed(reply, *connection_, link_)) {
      if (error_) {
        resend_held(); // the lane is failing: no more waiting here
        return;
      }
      // Still held, and asked again: a WAIT confirms every write before it.
      replicas_.append(*connection_);
      in_flight_.push_back(Sent::wait);
      return;
    }
  } catch (const Error& failover) {
    // Not acknowledged: sent again where the link points next, or the
    // stream fails with it.
    resend_held();
    if (!error_) {
      error_ = failover;
    }
    return;
  }
  for (const Acknowledgement& ack : held_acks_) {
    acknowledge_(ack);
  }
  held_acks_.clear();
  held_copies_.clear();
}

Reply StreamLane::ask(const Reply& reply, const PendingMessage& copy) {
  const auto to = redirection(reply);
  if (!to || reply.error_code != ServerError::ask) {
    return reply; // MOVED is a failover: the stream sends it again
  }
  // The commands behind it in the pipeline were for keys still here, or
  // were ASKed too and come here in turn: each channel keeps its order.
  // Sent again, alone, to the node the ASK names (not through routing:
  // this lane's connection still owes the replies behind it). EVAL, not
  // EVALSHA: the other node may not have the script.
  if (!copy.retained) {
    const std::array<std::string_view, 3> args = {publish_command(options_), copy.channel, copy.payload};
    return link_.ask(reply, *connection_, args);
  }
  const RetainArgs args(options_, copy.channel, copy.payload, copy.ttl);
  return link_.ask(reply, *connection_, retain_publish_script().arguments(false, args.keys_and_args));
}

void StreamLane::fail_if_failed() {
  if (error_) {
    throw *error_;
  }
}

void StreamLane::fail(const Error& error) {
  if (!error_) {
    error_ = error;
  }
  // Copies not yet answered (those after an error reply's, and a retained
  // message that could not go out) are sent again after a failover, after
  // those answered whose WAIT had not.
  resend_held();
  std::move(copies_.begin(), copies_.end(), std::back_inserter(unacknowledged_));
  copies_.clear();
  in_flight_.clear();
  throw *error_;
}

} // namespace statesync::detail
