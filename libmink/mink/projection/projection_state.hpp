#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mink {

/// What a projection is doing, as its runner reports it.
enum class projection_state {
  /// Applying live events as they are committed.
  running,
  /// Stopped on request; keeps its position until resumed.
  paused,
  /// Reading stored events in large batches to reach the head.
  catching_up,
  /// Replaying from position 0 after its read model was cleared.
  rebuilding,
  /// Stopped by an event its error policy could not get past; see the
  /// projection's last error. Other projections keep running.
  faulted,
  /// Not running in any process (never started, or shut down).
  stopped,
};

/// Returns the name of `x`, e.g. `catching_up`.
[[nodiscard]] std::string_view to_string(projection_state x) noexcept;

/// Parses a name written by `to_string`; `std::nullopt` for anything else.
[[nodiscard]] std::optional<projection_state>
parse_projection_state(std::string_view name) noexcept;

/// What an operator asks of a projection (stored, obeyed by its runner).
enum class projection_desired {
  /// Run (the default; `resume` sets it again after a pause).
  running,
  /// Stop applying events until resumed.
  paused,
};

[[nodiscard]] std::string_view to_string(projection_desired x) noexcept;

[[nodiscard]] std::optional<projection_desired>
parse_projection_desired(std::string_view name) noexcept;

} // namespace mink
