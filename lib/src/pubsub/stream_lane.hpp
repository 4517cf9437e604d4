#pragma once
// One server's pipeline of a record stream: commands appended without
// waiting, replies taken in order, a bounded window, and (when the stream
// can heal) a copy of each message until it is acknowledged; with
// StreamWindow::wait_replicas, acknowledged once a WAIT behind it says
// enough replicas have it (topology/replica_wait.hpp).

#include "topology/replica_wait.hpp"

#include <statesync/link.hpp>
#include <statesync/publisher.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>

namespace statesync::detail {

struct PendingMessage {
  bool retained = false;
  std::string channel, payload;
  std::chrono::milliseconds ttl{0}; // retained only
};

class StreamLane {
public:
  // `connection`: the link's connection to this lane's server.
  // `acknowledge` numbers and reports an acknowledgement; `acknowledged`
  // is the stream's count, for messages about a failure. `copied` counts
  // each copy kept (when keeping copies: HealingPipeline::copies_taken).
  StreamLane(Link& link, Connection& connection, const PublisherOptions& options,
             std::function<void(Acknowledgement)> acknowledge, const std::uint64_t& acknowledged, StreamWindow window,
             bool keep_copies, std::uint64_t& copied);

  Connection& connection() const noexcept { return *connection_; }

  // Sends one message (pipelined, or alone and answered when it is the
  // first). Throws Error on a failure: the lane has then failed for good.
  void put(bool retained, std::string_view channel, std::string_view payload, std::chrono::milliseconds ttl);
  void send();
  void finish();

  // After a failure, or to abandon the lane: every copy not acknowledged,
  // in order. The lane is then empty.
  std::deque<PendingMessage> take_unacknowledged();

private:
  void after_append();
  void flush();
  void take(std::size_t keep_in_flight);
  void take_ready();
  void take_reply(Reply reply);
  void take_wait_reply(const Reply& reply);
  void append_wait();
  // Held copies (replied to, no WAIT's answer yet) go to be sent again.
  void resend_held();
  Reply ask(const Reply& reply, const PendingMessage& copy);
  void fail_if_failed();
  [[noreturn]] void fail(const Error& error);

  Link& link_;
  Connection* connection_;
  const PublisherOptions& options_;
  std::function<void(Acknowledgement)> acknowledge_;
  const std::uint64_t& acknowledged_;
  StreamWindow window_;
  bool keep_copies_;
  std::uint64_t& copied_;
  ReplicaWait replicas_;
  // The first command goes alone and is answered before anything is
  // pipelined: a NOSCRIPT is answered with EVAL, a MOVED followed, with
  // nothing in flight; the EVALSHAs behind it then find the script.
  bool send_next_alone_ = true;
  std::uint64_t failed_ = 0; // error replies taken
  enum class Sent { publish, retain, wait };
  std::deque<Sent> in_flight_;                // per command sent
  std::deque<PendingMessage> copies_;         // per message sent, in order (keep_copies_)
  std::deque<PendingMessage> unacknowledged_; // failed, to send again
  // Replied to, waiting for the WAIT behind them (replicas_ enabled): the
  // acknowledgements, and (keep_copies_) the copies, in order.
  std::deque<Acknowledgement> held_acks_;
  std::deque<PendingMessage> held_copies_;
  std::size_t since_wait_ = 0; // messages appended since the last WAIT
  std::optional<Error> error_;
};

} // namespace statesync::detail
