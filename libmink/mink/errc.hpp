#pragma once

#include <cstdint>
#include <string>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

namespace mink {

/// Error codes of mink, carried in `caf::error` with the category `mink`.
/// Expected failures are values: every port returns `caf::expected<T>`.
enum class errc : uint8_t {
  /// Not an error.
  none = 0,
  /// The stream's current version does not match the expected version.
  wrong_expected_version,
  /// The stream does not exist.
  stream_not_found,
  /// The store cannot be reached or refused the connection.
  store_unavailable,
  /// The caller passed something malformed (stream id, JSON, limit, ...).
  invalid_argument,
  /// An event type that no one registered.
  unknown_event_type,
  /// Stored data that cannot be decoded (bad JSON, missing upcaster, ...).
  decode_failed,
  /// An operation ran out of time.
  timeout,
  /// An event id that the store already holds.
  duplicate_event_id,
  /// Too much work queued; try again later.
  overloaded,
  /// The store failed for a reason that is neither input nor connectivity.
  storage_failure,
  /// A command id that the store already recorded: the command ran before.
  duplicate_command,
  /// Application code (a command handler, a validator) threw.
  handler_failed,
  /// No projection of that name is known to the checkpoint store.
  projection_not_found,
  /// A projection handler failed (inline: its append is rejected).
  projection_failed,
  /// A clustered node appended for a slice it no longer owns (its lease
  /// moved or ended): the store refused the append; retry through the
  /// slice's owner.
  not_owner,
};

/// The category atom of all mink errors.
constexpr caf::atom_value error_category = caf::atom("mink");

/// Returns the name of `x`, e.g. `wrong_expected_version`.
const char* to_string(errc x);

/// Converts `x` into an error without context (enables `err == errc::x`).
caf::error make_error(errc x);

/// Converts `x` into an error that carries a human-readable explanation.
caf::error make_error(errc x, std::string what);

/// Returns the mink code of `err`, or `errc::none` for errors of other
/// categories and for the empty error.
errc code_of(const caf::error& err);

/// Renders `err` as `code: explanation`, for logs and user-facing messages.
std::string to_text(const caf::error& err);

/// Returns the explanation that `make_error(code, what)` stored in `err`
/// (without the code's name), or `to_text(err)` when it holds none.
std::string message_of(const caf::error& err);

} // namespace mink
