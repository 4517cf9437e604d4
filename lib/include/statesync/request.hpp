#pragma once
// Request and reply over pub/sub: a Requester asks the responders of a
// channel and waits for exactly as many replies as the server delivered
// the request to; a Responder answers the requests of its channels.
//
// The envelope (what travels on the channels; the payloads byte for byte):
//   request: "statesync-request/1\n" ID "\n" REPLY-CHANNEL "\n" PAYLOAD
//   reply:   "statesync-reply/1\n" ID "\n" INSTANCE "\n" HOST "\n" STATUS "\n" OUTPUT
// ID: 32 hex digits, unique per request. REPLY-CHANNEL:
// <prefix>reply:{TAG}:ID, where TAG is the shortest hex number whose hash
// slot is the request channel's (so that, sharded, it lives on the same
// node). INSTANCE: a responder process's own random id; HOST its host
// name; STATUS the command's exit status (128+N for signal N) or "timeout".
//
// Presence: each responder keeps an entry per channel in the sorted set
// <prefix>presence:{TAG}CHANNEL (member INSTANCE "\t" HOST, score the
// server time in ms at which it expires), refreshed while it runs. The
// requester reads it, dropping expired entries, in the same script that
// publishes the request: who received it and may answer.
//
// What the count means: PUBLISH counts deliveries on the node that took
// it, one per matching channel subscription and one per matching pattern
// per client. Requests need a channel only responders subscribe to, and
// in a Redis Cluster sharded pub/sub (SPUBLISH): a plain PUBLISH there
// counts that node's subscribers only, so Requester refuses it.

#include <statesync/connection.hpp>
#include <statesync/endpoint.hpp>
#include <statesync/export.hpp>
#include <statesync/link.hpp>
#include <statesync/retained.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace statesync {

// How a Requester publishes its requests.
struct STATESYNC_API RequesterOptions {
  bool sharded = false;                       // SPUBLISH, the reply channel in the request's slot
  std::string key_prefix{default_key_prefix}; // where the responders' presence entries are
};

// A responder that held a presence entry when the request was published.
struct STATESYNC_API PresentResponder {
  std::string instance; // the responder process (the envelope's INSTANCE)
  std::string host;     // its host name
};

// One responder's reply to a request.
struct STATESYNC_API RequestReply {
  std::string instance; // the responder process (see the envelope)
  std::string host;     // the responder's host name
  // The command's exit status (128+N when it died of signal N); with
  // `timed_out` the command was stopped at the responder's time limit.
  int status = 0;
  bool timed_out = false;             // stopped at the responder's time limit
  std::string output;                 // its standard output, byte for byte
  std::chrono::nanoseconds latency{}; // from the publish to this reply's arrival

  bool failed() const noexcept { return timed_out || status != 0; } // timed out or a non-zero status
};

// One request on its way: the replies as they come.
// Threads: one thread at a time.
class STATESYNC_API PendingRequest {
public:
  // Movable (a moved-from one may only be destroyed or assigned to).
  PendingRequest(PendingRequest&&) noexcept;
  PendingRequest& operator=(PendingRequest&&) noexcept;
  ~PendingRequest();

  const std::string& id() const noexcept; // the request's ID (the envelope's)
  // How many received the request (the PUBLISH's count).
  long long receivers() const noexcept;
  // The responders present when it was published.
  const std::vector<PresentResponder>& present() const noexcept;

  // The next reply, waiting until `deadline` (nullopt: no limit). Nothing
  // when the deadline passes or the wake fd (or a signal) ends the wait.
  // Replies to other requests, and messages that are not replies, are
  // skipped. Throws Error(unavailable) when the connection is lost (the
  // replies on their way would be lost with it: not reconnected).
  std::optional<RequestReply> next(std::optional<Clock::time_point> deadline);

  // The present responders that have not replied (yet).
  std::vector<PresentResponder> silent() const;

  // Unsubscribes from the reply channel and closes its connection.
  void close() noexcept;

private:
  friend class Requester;
  struct Impl;
  explicit PendingRequest(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Sends requests over a link it borrows (the link must outlive it, and
// every PendingRequest it returns). Threads: as its link.
class STATESYNC_API Requester {
public:
  // Throws Error(usage) for a plain (not sharded) requester on a link
  // whose endpoint is a cluster: its count would be one node's.
  Requester(Link& link, RequesterOptions options = {});
  Requester(Requester&&) noexcept;
  Requester& operator=(Requester&&) noexcept;
  ~Requester();

  // Subscribes to a fresh reply channel on a connection of its own and
  // waits for the confirmation, then publishes the request and reads the
  // presence entries in one script. Blocks until the server answers (the
  // reply timeout); throws Error as Publisher::publish does, and
  // Error(usage) for the cluster case above (a link that found out by a
  // MOVED that it is on a cluster).
  PendingRequest send(std::string_view channel, std::string_view payload);

  // Given to every PendingRequest it makes: the fd's becoming readable
  // ends their waits early. -1: none.
  void set_wake_fd(int fd) noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// What a Responder answers, and where.
struct STATESYNC_API ResponderOptions {
  Endpoint endpoint;                                  // where the channels are
  std::string client_name;                            // CLIENT SETNAME on each connection
  std::vector<std::string> channels;                  // the channels it answers requests on
  bool sharded = false;                               // SSUBSCRIBE; replies with SPUBLISH
  std::string host;                                   // in every reply and the presence entries
  std::string key_prefix{default_key_prefix};         // where its presence entries are kept
  ReconnectPolicy reconnect;                          // as the subscriber's: how a lost connection is got back
  std::optional<std::chrono::milliseconds> keepalive; // as SubscriberOptions::keepalive
  // A presence entry expires this long after its last refresh; it is
  // refreshed at a third of it while next() is being called.
  std::chrono::milliseconds presence_ttl{15000};
};

// A request Responder::next() hands out.
struct STATESYNC_API IncomingRequest {
  std::string channel;       // where it came
  std::string id;            // the requester's ID for it
  std::string reply_channel; // where reply() publishes the answer
  std::string payload;       // byte for byte as the requester gave it
};

// What Responder::reply() sends.
struct STATESYNC_API ReplyBody {
  std::string output;     // the command's standard output, byte for byte
  int status = 0;         // exit status, 128+N for signal N
  bool timed_out = false; // stopped at the time limit
};

// Answers requests: subscribes to the channels (as Subscriber does, with
// its reconnecting) and publishes replies and presence on a second link (a
// subscribed connection cannot publish). Threads: one thread at a time;
// the wake fd ends a wait in next() from another thread.
class STATESYNC_API Responder {
public:
  // Subscribes (confirmed) and writes the presence entries. Throws Error
  // as Subscriber's constructor, and Error(usage) for no channels or a
  // host name that is empty or holds a newline or tab.
  explicit Responder(ResponderOptions options);
  Responder(Responder&&) noexcept;
  Responder& operator=(Responder&&) noexcept;
  ~Responder();

  // This process's instance id (the envelope's INSTANCE).
  const std::string& instance() const noexcept;

  // The next request whose requester still waits (its reply channel has a
  // subscriber: PUBSUB NUMSUB or SHARDNUMSUB), waiting until `deadline`
  // (nullopt: no limit) and refreshing the presence entries when due.
  // Others, and messages that are not requests, are dropped. Nothing when
  // the deadline passes or the wake fd ends the wait. Throws Error as
  // Subscriber::next, and the second link's errors (a lost connection is
  // reconnected as the policy says).
  std::optional<IncomingRequest> next(std::optional<Clock::time_point> deadline);

  // Whether the requester still waits: for a request held back a while.
  bool requester_waiting(const IncomingRequest& request);

  // Publishes the reply. Throws Error as Publisher::publish does.
  void reply(const IncomingRequest& request, const ReplyBody& body);

  // While waiting in next(), `fd` becoming readable ends the wait early. -1: none.
  void set_wake_fd(int fd) noexcept;

  // Removes the presence entries (best effort) and disconnects.
  void close() noexcept;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace statesync
