#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include <caf/error.hpp>
#include <libpq-fe.h>

#include "mink/adapters/sql/inline_projections.hpp"
#include "mink/store/append.hpp"

namespace soci {
class session;
} // namespace soci

namespace mink::pg {

/// One accepted stream of a PostgreSQL append, on its way through the
/// inline projections.
struct inline_candidate {
  const prepared_append* x = nullptr;
  int64_t first_version = 0;
  /// In: the position the append assigned; out: the final one.
  int64_t first_position = 0;
  /// Out: why the projections rejected this stream (empty when accepted).
  caf::error rejected;
};

/// Runs `ps` on the accepted streams `cs` inside the open transaction of
/// `conn` (whose SOCI session is `sql`). First all streams at once, under
/// one savepoint; when that fails, one stream at a time, each under its own
/// savepoint, to reject only the streams whose projections fail. Positions
/// are then handed out again from `base + 1`, densely, to the streams that
/// remain. A later stream of a rejected stream is rejected too (its
/// versions counted on the rejected events). Returns the number of
/// positions used, or an error when a savepoint statement itself fails
/// (then the transaction must be rolled back).
///
/// Each attempt has `deadline`: its SQL runs under that
/// `statement_timeout`, and an attempt that takes longer (in SQL or C++)
/// fails like a failing projection (`projection_failed`). So the position
/// lock is held for the projections at most one deadline for the whole
/// batch, then one per stream whose projections fail or are too slow (plus
/// the time of fast streams, and of C++ code overrunning a deadline, which
/// nothing can interrupt).
[[nodiscard]] caf::expected<int64_t>
run_inline(PGconn* conn, soci::session& sql,
           const inline_projections::list& ps,
           std::vector<inline_candidate>& cs, int64_t base,
           int64_t timestamp_us, std::chrono::milliseconds deadline);

} // namespace mink::pg
