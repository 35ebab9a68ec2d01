#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <caf/error.hpp>

namespace mink {

/// The longest stream id that mink accepts, in bytes.
constexpr std::size_t max_stream_id_size = 500;

/// Checks a stream id of the form `Category-id`. Rejects, with
/// `errc::invalid_argument`, ids that are empty, longer than
/// `max_stream_id_size` bytes, contain ASCII control characters or are not
/// valid UTF-8. Returns the empty error for valid ids.
[[nodiscard]] caf::error validate_stream_id(std::string_view id);

/// Returns the category of a stream: the text before the first `-`, or the
/// whole id when it has no `-`.
std::string_view category_of(std::string_view id) noexcept;

} // namespace mink
