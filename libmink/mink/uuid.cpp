#include "mink/uuid.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <random>

#include <pthread.h>

namespace mink {

namespace {

/// Bumped in every child after fork(): a child must not draw the same
/// numbers as its parent and siblings (their generators were copied).
std::atomic<uint64_t> fork_generation{0};

void on_fork_child() {
  fork_generation.fetch_add(1, std::memory_order_relaxed);
}

std::mt19937_64 seeded_rng() {
  // Seed from several random_device words: one 32-bit seed would let two
  // threads or processes draw the same sequence.
  std::random_device dev;
  std::seed_seq seq{dev(), dev(), dev(), dev(), dev(), dev(), dev(), dev()};
  return std::mt19937_64{seq};
}

} // namespace

std::string make_uuid() {
  static const bool registered = [] {
    pthread_atfork(nullptr, nullptr, on_fork_child);
    return true;
  }();
  (void) registered;
  thread_local std::mt19937_64 rng = seeded_rng();
  thread_local uint64_t generation = fork_generation.load();
  if (auto now = fork_generation.load(std::memory_order_relaxed);
      now != generation) {
    rng = seeded_rng();
    generation = now;
  }
  // Version 7 (RFC 9562): 48 bits of Unix time in milliseconds, then 74
  // random bits. Ids made later sort later, so a database index on them
  // (events.event_id, events.command_id) grows at its right edge instead
  // of touching a random page per insert.
  auto ms = static_cast<uint64_t>(
    std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch())
      .count());
  uint64_t hi = (ms << 16) | 0x7000ULL | (rng() & 0x0fffULL);
  uint64_t lo = (rng() & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
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

int hex_digit_value(char c) noexcept {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

bool parse_uuid(std::string_view text, std::array<uint8_t, 16>& out) noexcept {
  if (text.size() != 36)
    return false;
  size_t n = 0;
  for (size_t i = 0; i < text.size();) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (text[i++] != '-')
        return false;
      continue;
    }
    auto hi = hex_digit_value(text[i]);
    auto lo = hex_digit_value(text[i + 1]);
    if (hi < 0 || lo < 0)
      return false;
    out[n++] = static_cast<uint8_t>(hi * 16 + lo);
    i += 2;
  }
  return n == 16;
}

} // namespace mink
