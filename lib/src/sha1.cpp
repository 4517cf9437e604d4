// SHA-1 as FIPS 180-4 defines it.

#include "sha1.hpp"

#include <array>
#include <bit>
#include <cstdint>

namespace statesync::detail {
namespace {

class Sha1 {
public:
  void update(const unsigned char* data, std::size_t size) {
    for (std::size_t i = 0; i < size; ++i) {
      block_[filled_++] = data[i];
      if (filled_ == block_.size()) {
        compress();
      }
    }
    length_ += size;
  }

  std::array<std::uint32_t, 5> finish() {
    const std::uint64_t bits = length_ * 8;
    const unsigned char one = 0x80;
    const unsigned char zero = 0;
    update(&one, 1);
    while (filled_ != 56) {
      update(&zero, 1);
    }
    for (int shift = 56; shift >= 0; shift -= 8) {
      const auto byte = static_cast<unsigned char>(bits >> shift);
      update(&byte, 1);
    }
    return state_;
  }

private:
  void compress() {
    std::array<std::uint32_t, 80> w{};
    for (std::size_t i = 0; i < 16; ++i) {
      w[i] = std::uint32_t{block_[4 * i]} << 24 | std::uint32_t{block_[4 * i + 1]} << 16 |
             std::uint32_t{block_[4 * i + 2]} << 8 | std::uint32_t{block_[4 * i + 3]};
    }
    for (std::size_t i = 16; i < 80; ++i) {
      w[i] = std::rotl(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    }
    auto [a, b, c, d, e] = state_;
    for (std::size_t i = 0; i < 80; ++i) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const std::uint32_t next = std::rotl(a, 5) + f + e + k + w[i];
      e = d;
      d = c;
      c = std::rotl(b, 30);
      b = a;
      a = next;
    }
    state_[0] += a;
    state_[1] += b;
    state_[2] += c;
    state_[3] += d;
    state_[4] += e;
    filled_ = 0;
  }

  std::array<std::uint32_t, 5> state_ = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
  std::array<unsigned char, 64> block_{};
  std::size_t filled_ = 0;
  std::uint64_t length_ = 0;
};

} // namespace

std::string sha1_hex(std::string_view text) {
  Sha1 sha;
  sha.update(reinterpret_cast<const unsigned char*>(text.data()), text.size());
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (const std::uint32_t word : sha.finish()) {
    for (int shift = 28; shift >= 0; shift -= 4) {
      out += hex[(word >> shift) & 0xf];
    }
  }
  return out;
}

} // namespace statesync::detail
