#pragma once

#include <string_view>

namespace mink {

/// Returns whether `str` is well-formed UTF-8 (no overlong forms, no
/// surrogates, nothing above U+10FFFF). PostgreSQL rejects anything else.
bool is_valid_utf8(std::string_view str) noexcept;

/// Returns whether `str` holds a control character: C0 (U+0000 to U+001F,
/// NUL included), DEL (U+007F) or C1 (U+0080 to U+009F, as UTF-8). Names
/// and other single-line text refuse them.
bool has_control_chars(std::string_view str) noexcept;

} // namespace mink
