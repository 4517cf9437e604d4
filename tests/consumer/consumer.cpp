// A program outside the project that uses an installed libstatesync: it
// proves the headers stand alone and the library links.

#include <statesync/endpoint.hpp>
#include <statesync/version.hpp>

#include <iostream>

int main() {
  const statesync::Endpoint endpoint = statesync::parse_url("redis://example:7000/2");
  std::cout << statesync::version() << ' ' << endpoint.where() << ' ' << endpoint.db << '\n';
  return endpoint.port == 7000 ? 0 : 1;
}
