#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace mink {

/// Returns a new UUID in its 36-character text form: version 7, a
/// millisecond timestamp followed by 74 random bits, so that ids sort
/// roughly by creation time and index inserts stay local.
[[nodiscard]] std::string make_uuid();

/// Returns whether `str` is a UUID in 8-4-4-4-12 hexadecimal text form.
bool is_uuid(std::string_view str) noexcept;

/// Parses a UUID in 8-4-4-4-12 hexadecimal form (either case) into its 16
/// bytes; false when `text` is not one.
bool parse_uuid(std::string_view text, std::array<uint8_t, 16>& out) noexcept;

/// The value of a hexadecimal digit (either case), or -1 when `c` is not
/// one.
int hex_digit_value(char c) noexcept;

} // namespace mink
