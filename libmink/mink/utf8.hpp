#pragma once

#include <string_view>

namespace mink {

/// Returns whether `str` is well-formed UTF-8 (no overlong forms, no
/// surrogates, nothing above U+10FFFF). PostgreSQL rejects anything else.
bool is_valid_utf8(std::string_view str) noexcept;

} // namespace mink
