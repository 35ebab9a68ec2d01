#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mink {

/// How one part of a service is: the store, the committer, a projection.
struct health_check {
  /// `store`, `committer`, `cluster` (a clustered node) or `projection NAME`.
  std::string name;
  bool healthy = true;
  /// Why not, when not healthy (the error, the state); else a short note.
  std::string detail;
};

/// What `runtime::health` found.
struct health_report {
  /// Every check, in the order store, committer, projections by name.
  std::vector<health_check> checks;
  /// The store's last position (0 when it did not answer).
  int64_t position = 0;

  /// Whether every check is healthy.
  [[nodiscard]] bool healthy() const noexcept;

  /// `NAME: DETAIL` of the first unhealthy check; empty when healthy.
  [[nodiscard]] std::string reason() const;
};

} // namespace mink
