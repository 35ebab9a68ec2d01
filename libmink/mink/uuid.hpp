#pragma once

#include <string>
#include <string_view>

namespace mink {

/// Returns a new UUID in its 36-character text form: version 7, a
/// millisecond timestamp followed by 74 random bits, so that ids sort
/// roughly by creation time and index inserts stay local.
[[nodiscard]] std::string make_uuid();

/// Returns whether `str` is a UUID in 8-4-4-4-12 hexadecimal text form.
bool is_uuid(std::string_view str) noexcept;

} // namespace mink
