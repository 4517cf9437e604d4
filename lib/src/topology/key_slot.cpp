// Key-slot hashing as Redis Cluster does it (cluster.c keyHashSlot).

#include <statesync/cluster.hpp>

#include <array>
#include <cstdint>

namespace statesync {
namespace {

// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0.
constexpr std::array<std::uint16_t, 256> make_table() {
  std::array<std::uint16_t, 256> table{};
  for (unsigned i = 0; i < 256; ++i) {
    auto crc = static_cast<std::uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = static_cast<std::uint16_t>((crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1);
    }
    table[i] = crc;
  }
  return table;
}

constexpr auto crc_table = make_table();

std::uint16_t crc16(std::string_view data) {
  std::uint16_t crc = 0;
  for (const char c : data) {
    const auto byte = static_cast<unsigned char>(c);
    crc = static_cast<std::uint16_t>((crc << 8) ^ crc_table[((crc >> 8) ^ byte) & 0xff]);
  }
  return crc;
}

} // namespace

int key_slot(std::string_view key) {
  // Only a non-empty tag counts: "{}x" hashes whole.
  if (const auto open = key.find('{'); open != std::string_view::npos) {
    const auto close = key.find('}', open + 1);
    if (close != std::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return crc16(key) & (cluster_slots - 1);
}

} // namespace statesync
