#pragma once

#include <string>
#include <string_view>

namespace mink {

/// Returns a random (version 4) UUID in its 36-character text form.
[[nodiscard]] std::string make_uuid();

/// Returns whether `str` is a UUID in 8-4-4-4-12 hexadecimal text form.
bool is_uuid(std::string_view str) noexcept;

} // namespace mink
