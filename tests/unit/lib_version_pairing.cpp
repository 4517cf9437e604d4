// The pairing of live retained updates with their versions, fed messages
// as the subscriber receives them.

#include "pubsub/version_pairing.hpp"

#include <doctest/doctest.h>

using statesync::Message;
using statesync::SubscriptionMode;
using statesync::detail::VersionPairing;

namespace {

Message message(std::string channel, std::string payload, std::string pattern = {}) {
  Message m;
  m.channel = std::move(channel);
  m.payload = std::move(payload);
  m.pattern = std::move(pattern);
  return m;
}

} // namespace

TEST_CASE("a version is paired with the message that follows on its channel") {
  VersionPairing pairing("statesync:", SubscriptionMode::channels);
  CHECK(pairing.companion("cfg") == "statesync:version:cfg");
  Message version = message("statesync:version:cfg", "7");
  CHECK(pairing.absorb(version));
  Message plain = message("other", "x");
  CHECK_FALSE(pairing.absorb(plain));
  CHECK_FALSE(plain.version);
  Message update = message("cfg", "state");
  CHECK_FALSE(pairing.absorb(update));
  CHECK(update.version == 7);
  Message next = message("cfg", "raw publish");
  CHECK_FALSE(pairing.absorb(next));
  CHECK_FALSE(next.version); // one version, one message
}

TEST_CASE("a clear is marked, not versioned") {
  VersionPairing pairing("statesync:", SubscriptionMode::channels);
  pairing.companion("cfg");
  Message word = message("statesync:version:cfg", "clear");
  CHECK(pairing.absorb(word));
  Message cleared = message("cfg", "");
  pairing.absorb(cleared);
  CHECK(cleared.cleared);
  CHECK_FALSE(cleared.version);
}

TEST_CASE("with patterns, each pattern's delivery gets its own version") {
  VersionPairing pairing("we*rd:", SubscriptionMode::patterns);
  CHECK(pairing.companion("app.*") == "we\\*rd:version:app.*");
  Message v1 = message("we*rd:version:app.a", "3", "we\\*rd:version:app.*");
  CHECK(pairing.absorb(v1));
  Message other_pattern = message("app.a", "A", "app.?");
  pairing.absorb(other_pattern);
  CHECK_FALSE(other_pattern.version);
  Message same_pattern = message("app.a", "A", "app.*");
  pairing.absorb(same_pattern);
  CHECK(same_pattern.version == 3);
}

TEST_CASE("a message on a version channel not subscribed as a companion is a message") {
  VersionPairing pairing("statesync:", SubscriptionMode::channels);
  pairing.companion("cfg");
  Message direct = message("statesync:version:other", "1");
  CHECK_FALSE(pairing.absorb(direct));
}

TEST_CASE("reset forgets versions whose message never came") {
  VersionPairing pairing("statesync:", SubscriptionMode::channels);
  pairing.companion("cfg");
  Message version = message("statesync:version:cfg", "2");
  pairing.absorb(version);
  pairing.reset();
  Message after = message("cfg", "x");
  pairing.absorb(after);
  CHECK_FALSE(after.version);
}
