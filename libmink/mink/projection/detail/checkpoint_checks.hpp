#pragma once

// Internal helpers shared by the checkpoint store port and its adapters:
// input checks, text that every database can store, and the errors every
// adapter reports the same way.

#include <cstdint>
#include <string>
#include <string_view>

#include <caf/error.hpp>

#include "mink/event.hpp"
#include "mink/projection/checkpoint_store.hpp"

namespace mink::detail {

/// Returns `invalid_argument` when `position` (called `what`) of the
/// projection `name` is negative, or the empty error.
[[nodiscard]] caf::error check_position(const std::string& name,
                                        int64_t position, const char* what);

/// Checks the projection name and the event of a dead letter: the position
/// is at least 0 and the event's id, stream id and type are UTF-8 without
/// NUL characters.
[[nodiscard]] caf::error check_dead_letter(const std::string& name,
                                           const recorded_event& ev);

/// Returns `x` with every NUL character and every byte that is not part of
/// well-formed UTF-8 replaced by U+FFFD: free text (a handler's error
/// message) that every database can store.
[[nodiscard]] std::string storable_text(const std::string& x);

/// The `projection_not_found` error for `name`.
[[nodiscard]] caf::error projection_missing(const std::string& name);

/// The `wrong_expected_version` error of a failed compare-and-set.
[[nodiscard]] caf::error checkpoint_moved(const std::string& name,
                                          int64_t expected, int64_t actual);

/// The `invalid_argument` error for a dead letter that does not exist.
[[nodiscard]] caf::error dead_letter_missing(const std::string& name,
                                             int64_t position);

/// Sets `x.desired` and `x.state` from their stored names; fails with
/// `storage_failure` for a name this build does not know.
[[nodiscard]] caf::error decode_names(projection_record& x,
                                      std::string_view desired,
                                      std::string_view state);

/// A 64-bit FNV-1a hash of `x`, the same in every build and process.
[[nodiscard]] uint64_t stable_hash(const std::string& x) noexcept;

} // namespace mink::detail
