// Follows a channel's state: first the state it has now (if one is
// retained), then every update as it is published (`statesync-sub -R`).
// Reconnects by itself when the server goes away, and delivers the state
// again once back.
//
//   follow_state CHANNEL [COUNT]     ends after COUNT messages, if given

#include <statesync/statesync.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::cerr << "usage: follow_state CHANNEL [COUNT]\n";
    return 64;
  }
  const long count = argc == 3 ? std::stol(argv[2]) : -1;
  try {
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
      // The first message is the state the channel has now; every later
      // one an update. Each carries its version when it was retained.
      std::cout << (seen == 0 ? "state" : "update");
      if (message.version) {
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
