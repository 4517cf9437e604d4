// Keeps a file equal to a channel's retained state (`statesync-sub -R
// CHANNEL --to-file PATH`): a StateMirror writes each new state beside the
// file and renames it over it, only when the content differs, so a reader
// never sees half a file and a reconnect that delivers the same state again
// touches nothing. Prints a line for each state it puts in place.
//
//   mirror_file CHANNEL PATH [COUNT]     ends after COUNT states, if given

#include <statesync/statesync.hpp>

#include <charconv>
#include <iostream>
#include <string>
#include <string_view>

namespace {

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
  if (argc != 3 && argc != 4) {
    std::cerr << "usage: mirror_file CHANNEL PATH [COUNT]\n";
    return 64;
  }
  try {
    const long count = argc == 4 ? parse_count(argv[3]) : -1;
    statesync::StateMirror mirror({.file = argv[2]});
    statesync::SubscriberOptions options;
    options.endpoint = statesync::endpoint_from_environment();
    options.client_name = "mirror_file";
    options.names = {argv[1]};
    options.retained = true;
    statesync::Subscriber subscriber(std::move(options));
    for (long seen = 0; count < 0 || seen < count;) {
      const auto event = subscriber.next(std::nullopt);
      if (!event || event->type != statesync::SubscriberEvent::Type::message || !event->message.version) {
        continue; // a signal, the connection's news, or a plain message (not a state)
      }
      ++seen;
      mirror.set(event->message.channel, event->message.payload, event->message.version);
      // Everything that arrived meanwhile first: only the latest state is written.
      while (auto more = subscriber.poll()) {
        if (more->type == statesync::SubscriberEvent::Type::message && more->message.version) {
          ++seen;
          mirror.set(more->message.channel, more->message.payload, more->message.version);
        }
      }
      const statesync::MirrorApplied applied = mirror.apply();
      for (const auto& change : applied.changes) {
        std::cout << "wrote version " << change.version.value_or(0) << " to " << argv[2] << std::endl;
      }
      if (applied.changes.empty()) {
        std::cout << "unchanged" << std::endl;
      }
    }
  } catch (const statesync::Error& error) {
    std::cerr << "mirror_file: " << error.what() << '\n';
    return statesync::exit_status_for(error.kind());
  }
  return 0;
}
