// stream_tail: prints the payloads of a Redis Stream's entries, from a start
// point on, with the library's StreamReader; and, given a message, first
// adds it with the StreamWriter.
//
//   stream_tail redis://127.0.0.1:6379 orders 0         # all, then new ones
//   stream_tail redis://127.0.0.1:6379 orders -10 hello # add, then the last 10
//
// The reader goes on after the last entry it read when the connection is
// lost, so the output has no gap and no repeat while it runs.

#include <statesync/endpoint.hpp>
#include <statesync/error.hpp>
#include <statesync/stream_reader.hpp>
#include <statesync/stream_writer.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc < 3 || argc > 5) {
    std::cerr << "usage: stream_tail URL KEY [FROM [MESSAGE]]\n";
    return 64;
  }
  try {
    const statesync::Endpoint endpoint = statesync::parse_url(argv[1]);
    if (argc == 5) {
      statesync::StreamWriter writer(endpoint, "stream_tail", {}, [](const statesync::Acknowledgement& ack) {
        std::cerr << "added " << ack.entry_id << '\n';
      });
      writer.publish(argv[2], argv[4]);
      writer.finish();
    }
    statesync::StreamReaderOptions options;
    options.endpoint = endpoint;
    options.client_name = "stream_tail";
    options.keys = {argv[2]};
    options.from = statesync::parse_stream_start(argc >= 4 ? argv[3] : "$");
    statesync::StreamReader reader(std::move(options));
    for (;;) {
      const auto event = reader.next(std::nullopt);
      if (!event) {
        continue;
      }
      if (event->type != statesync::StreamEvent::Type::entry) {
        std::cerr << event->detail << '\n'; // lost, back again
        continue;
      }
      const std::string* payload = event->entry.field("payload");
      std::cout << event->entry.id.str() << ' ' << (payload ? *payload : "") << std::endl;
    }
  } catch (const statesync::Error& error) {
    std::cerr << "stream_tail: " << error.what() << '\n';
    return 69;
  }
}
