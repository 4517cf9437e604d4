// Follows a channel's state: first the state it has now (if one is
// retained), then every update as it is published (`statesync-sub -R`).
// Reconnects by itself when the server goes away, and delivers the state
// again once back.
//
//   follow_state CHANNEL [COUNT]     ends after COUNT messages, if given

#include <statesync/statesync.hpp>

#include <charconv>
#include <iostream>
#include <string>
#include <string_view>

namespace {

// A bad COUNT is the caller's mistake: a usage error like the library's own,
// so that one handler in main() reports every failure the same way.
long parse_count(std::string_view text) {
  long count = 0;
  const auto [end, failure] = std::from_chars(text.data(), text.data() + text.size(), count);
  if (failure != std::errc() || end != text.data() + text.size() || count <= 0) {
    throw statesync::Error(statesync::ErrorKind::usage,
                           "COUNT must be a positive number, not '" + std::string(text) + "'");
  }
  return count;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: follow_state CHANNEL [COUNT]\n";
    return 64;
  }
  try {
    const long count = argc == 3 ? parse_count(argv[2]) : -1;
    statesync::SubscriberOptions options;
    options.endpoint = statesync::endpoint_from_environment();
    options.client_name = "follow_state";
    options.names = {argv[1]};
    options.retained = true;
    statesync::Subscriber subscriber(std::move(options));
    for (long seen = 0; seen != count;) {
      const auto event = subscriber.next(std::nullopt); // waits; empty only when a signal interrupts
      if (!event) {
        continue;
      }
      if (event->type != statesync::SubscriberEvent::Type::message) {
        std::cerr << "follow_state: " << event->detail << '\n'; // lost, or back
        continue;
      }
      const statesync::Message& message = event->message;
      // Ask the message, not its place in the sequence: a channel with
      // nothing retained starts with an update, and a reconnect delivers
      // the state again in the middle.
      std::cout << (message.current_state ? "state" : "update");
      if (message.version) { // set when it was retained
        std::cout << " (version " << *message.version << ")";
      }
      std::cout << ": " << (message.cleared ? "cleared" : message.payload) << '\n';
      std::cout.flush();
      ++seen;
    }
    return 0;
  } catch (const statesync::Error& error) {
    std::cerr << "follow_state: " << error.what() << '\n';
    return statesync::exit_status_for(error.kind());
  }
}
