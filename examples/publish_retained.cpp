// Publishes a channel's state, so that a subscriber that comes later reads
// it too (what `statesync-pub -r CHANNEL PAYLOAD` does).
//
//   publish_retained CHANNEL PAYLOAD
//
// Connects where the tools do: $STATESYNC_URL, else $REDIS_URL, else
// redis://127.0.0.1:6379, with the password in $STATESYNC_AUTH.

#include <statesync/statesync.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: publish_retained CHANNEL PAYLOAD\n";
    return 64;
  }
  try {
    // The link connects on first use, and follows a Sentinel failover or a
    // cluster's redirections as the tools do.
    statesync::Link link(statesync::endpoint_from_environment(), "publish_retained");
    statesync::Publisher publisher(link);
    const statesync::Retained retained = publisher.retain(argv[1], argv[2]);
    std::cout << "version " << retained.version << ", received by " << retained.receivers << '\n';
    return 0;
  } catch (const statesync::Error& error) {
    std::cerr << "publish_retained: " << error.what() << '\n';
    return statesync::exit_status_for(error.kind()); // the tools' statuses
  }
}
