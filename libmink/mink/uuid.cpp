#include "mink/uuid.hpp"

#include <cctype>
#include <cstdint>
#include <random>

namespace mink {

std::string make_uuid() {
  // Seed from several random_device words: one 32-bit seed would let two
  // threads or processes draw the same sequence.
  thread_local std::mt19937_64 rng = [] {
    std::random_device dev;
    std::seed_seq seq{dev(), dev(), dev(), dev(), dev(), dev(), dev(), dev()};
    return std::mt19937_64{seq};
  }();
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL; // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL; // variant 1
  static constexpr char digits[] = "0123456789abcdef";
  std::string result;
  result.reserve(36);
  auto put = [&](uint64_t word, int from_nibble, int count) {
    for (int i = from_nibble; i < from_nibble + count; ++i)
      result += digits[(word >> (60 - 4 * i)) & 0xf];
  };
  put(hi, 0, 8);
  result += '-';
  put(hi, 8, 4);
  result += '-';
  put(hi, 12, 4);
  result += '-';
  put(lo, 0, 4);
  result += '-';
  put(lo, 4, 12);
  return result;
}

bool is_uuid(std::string_view str) noexcept {
  if (str.size() != 36)
    return false;
  for (size_t i = 0; i < str.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (str[i] != '-')
        return false;
    } else if (!std::isxdigit(static_cast<unsigned char>(str[i]))) {
      return false;
    }
  }
  return true;
}

} // namespace mink
