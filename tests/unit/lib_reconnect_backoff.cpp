// The reconnect backoff: doubling delays up to a ceiling, each shortened by
// a random jitter of up to half, and a reset once connected.

#include "connection/reconnect_backoff.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace statesync::detail;
using namespace std::chrono_literals;

TEST_CASE("backoff doubles up to the ceiling, with jitter of up to half") {
  Backoff backoff(100ms, 1000ms, 42);
  const std::vector<long long> bases = {100, 200, 400, 800, 1000, 1000, 1000};
  for (const long long base : bases) {
    const auto delay = backoff.next().count();
    CHECK(delay <= base);
    CHECK(delay >= base / 2);
  }
  backoff.reset();
  CHECK(backoff.next().count() <= 100);
}
