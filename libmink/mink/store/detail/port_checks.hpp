#pragma once

#include <cstddef>
#include <exception>
#include <string>
#include <string_view>

#include <caf/expected.hpp>

#include "mink/errc.hpp"
#include "mink/event.hpp"
#include "mink/store/append.hpp"

namespace mink::detail {

/// Longest accepted name (event type, state type, category), in bytes.
constexpr size_t max_name_size = 200;

/// Returns what is wrong with a name (event type, state type, category):
/// empty, longer than `max_name_size`, control characters, not UTF-8; or an
/// empty string when it is fine. `what` names it in the message.
std::string name_problem(std::string_view what, std::string_view name);

/// Checks a category filter: empty (no filter) or a name without `-`, since
/// a category is the text before a stream id's first `-`. Fails with
/// `invalid_argument`.
caf::error validate_category_filter(const std::string& category);

/// Checks the arguments of a paged listing (streams, snapshots): the
/// stream id to start after (empty: from the start) and the category
/// filter. Fails with `invalid_argument`.
caf::error validate_listing(const std::string& after_stream_id,
                            const std::string& category);

/// Validates event `i` of a batch and converts it for storage: makes an id
/// when it has none, lower-cases it, encodes the metadata. Moves the id,
/// type and data out of `ev`. Fails with `invalid_argument` naming the event.
caf::expected<prepared_event> prepare_event(event_data& ev, size_t i);

/// Runs an adapter call for a port; an exception (out of memory, a
/// library's error) becomes `storage_failure` here, so none leaves a port.
template <class F>
auto guarded(const char* what, F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& ex) {
    return make_error(errc::storage_failure,
                      std::string{what} + " failed: " + ex.what());
  }
}

} // namespace mink::detail
