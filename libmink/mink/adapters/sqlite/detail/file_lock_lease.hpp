#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/projection/checkpoint_store.hpp"

namespace mink::detail {

/// Returns the lock file of projection `name` next to the database file
/// `db_path`: `<db_path>.projection-<16 hex digits>.lock`, the digits being
/// a stable hash of the name.
[[nodiscard]] std::string projection_lock_path(const std::string& db_path,
                                               const std::string& name);

/// Tries to take an exclusive `flock` on the file at `path` (created when
/// missing, never deleted). Returns the lease, a null pointer when another
/// open file description holds the lock (in this process or another), or
/// `store_unavailable` when the file cannot be opened. The kernel drops the
/// lock when the lease closes the file or the process dies.
[[nodiscard]] caf::expected<std::unique_ptr<runner_lease>>
try_file_lock(const std::string& path);

} // namespace mink::detail
