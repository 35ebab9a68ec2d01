#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mink/event.hpp"

namespace mink::fuzz {

/// Splits fuzzer input into lines: `next_line` returns the text up to the
/// next '\n' (without it) and `rest` everything left. The seed corpora are
/// text, so that a person can read and write them.
class input {
public:
  input(const uint8_t* data, size_t size)
    : text_(reinterpret_cast<const char*>(data), size) {
  }

  std::string_view next_line();

  std::string_view rest();

private:
  std::string_view text_;
};

/// Parses a small decimal integer (optionally negative, at most 10 digits);
/// anything else gives `fallback`.
int32_t to_int32(std::string_view text, int32_t fallback);

/// Reports a broken property and aborts, so that libFuzzer keeps the input.
[[noreturn]] void fail(const char* what, const std::string& detail);

/// An envelope at the first position of stream `fuzz-1`, with a fixed id;
/// the fuzzer fills in type, version and data.
recorded_event stored_event();

/// Returns whether two envelopes are equal in every field.
bool same_event(const recorded_event& x, const recorded_event& y);

} // namespace mink::fuzz
