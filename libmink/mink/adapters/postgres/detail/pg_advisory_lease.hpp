#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/projection/checkpoint_store.hpp"

namespace mink::detail {

/// Tries to take the session-level advisory lock
/// `hashtextextended(key, 0)` on a PostgreSQL connection of its own, opened
/// with `conninfo` for this lease alone (never a pooled one). Returns the
/// lease, a null pointer when another session holds the lock, or
/// `store_unavailable` when the server cannot be reached.
///
/// The lease unlocks and closes its connection when destroyed; the server
/// drops the lock by itself when the connection ends (the process died).
/// TCP keepalives on the connection make a vanished peer noticed within
/// about a minute. `held()` runs `SELECT 1` on the connection. Every
/// statement waits at most `deadline` for the server (connecting: libpq's
/// `connect_timeout`, whole seconds): a lease whose server does not answer
/// in time is lost (`held()` is false from then on) and its connection
/// shut down, so the server drops the lock once it runs again.
[[nodiscard]] caf::expected<std::unique_ptr<runner_lease>>
try_advisory_lock(const std::string& conninfo, const std::string& key,
                  std::chrono::milliseconds deadline);

} // namespace mink::detail
