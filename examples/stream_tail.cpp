// Prints the payloads of a Redis Stream's entries from a start point on,
// as they come, with the library's StreamReader; given a message, first
// adds it with the StreamWriter (`statesync-pub --stream`, `statesync-sub
// --stream`). Runs until it is stopped.
//
//   stream_tail orders 0            # every entry, then the new ones
//   stream_tail orders -10 hello    # add "hello", then the last 10 on
//
// Connects where the tools do ($STATESYNC_URL, else $REDIS_URL, else
// redis://127.0.0.1:6379). The reader goes on after the last entry it read
// when the connection is lost, so the output has no gap and no repeat.

#include <statesync/statesync.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 2 || argc > 4) {
    std::cerr << "usage: stream_tail KEY [FROM [MESSAGE]]\n";
    return 64;
  }
  try {
    const statesync::Endpoint endpoint = statesync::endpoint_from_environment();
    // Parsed before anything is written: a bad FROM adds nothing.
    const statesync::StreamStart from = statesync::parse_stream_start(argc >= 3 ? argv[2] : "$");
    if (argc == 4) {
      // The acknowledgement is the server's word that the entry is stored.
      statesync::StreamWriter writer(endpoint, "stream_tail", {}, [](const statesync::Acknowledgement& ack) {
        std::cerr << "added " << ack.entry_id << '\n';
      });
      writer.publish(argv[1], argv[3]);
      writer.finish(); // waits for the acknowledgement
    }
    statesync::StreamReaderOptions options;
    options.endpoint = endpoint;
    options.client_name = "stream_tail";
    options.keys = {argv[1]};
    options.from = from;
    statesync::StreamReader reader(std::move(options));
    for (;;) {
      const auto event = reader.next(std::nullopt); // empty only when a signal interrupts
      if (!event) {
        continue;
      }
      if (event->type != statesync::StreamEvent::Type::entry) {
        std::cerr << "stream_tail: " << event->detail << '\n'; // lost, or back
        continue;
      }
      const std::string* payload = event->entry.field("payload");
      // Flushed per entry: a tail is read as it comes, often through a pipe.
      std::cout << event->entry.id.str() << ' ' << (payload ? *payload : "") << std::endl;
    }
  } catch (const statesync::Error& error) {
    std::cerr << "stream_tail: " << error.what() << '\n';
    return statesync::exit_status_for(error.kind());
  }
}
