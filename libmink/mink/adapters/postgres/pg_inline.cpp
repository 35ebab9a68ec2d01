#include "mink/adapters/postgres/pg_inline.hpp"

#include <algorithm>
#include <chrono>
#include <string>
#include <iterator>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink::pg {

namespace {

/// Runs the projections on the events of `cs` (those not rejected), with
/// positions from their `first_position`.
caf::error apply_all(soci::session& sql, const inline_projections::list& ps,
                     const std::vector<inline_candidate*>& cs,
                     int64_t timestamp_us) {
  std::vector<recorded_event> events;
  for (auto* c : cs) {
    auto xs = to_recorded(*c->x, c->first_version, c->first_position,
                          timestamp_us);
    std::move(xs.begin(), xs.end(), std::back_inserter(events));
  }
  return apply_inline(sql, ps, events);
}

/// How one attempt under a savepoint ended.
struct attempt_result {
  /// A savepoint statement itself failed: the transaction must roll back.
  caf::error fatal;
  /// The projections failed or ran out of time (rolled back to the
  /// savepoint); empty when they succeeded (released).
  caf::error rejected;
};

/// Runs the projections on `cs` under the savepoint `name`, their SQL under
/// a `statement_timeout` of `deadline`; an attempt that fails or takes
/// longer than `deadline` (also in C++, which no one can interrupt) is
/// rolled back to the savepoint, which also restores the timeout.
attempt_result attempt(PGconn* conn, soci::session& sql,
                       const inline_projections::list& ps,
                       const std::vector<inline_candidate*>& cs,
                       int64_t timestamp_us, const std::string& name,
                       std::chrono::milliseconds deadline) {
  using clock = std::chrono::steady_clock;
  auto ms = std::to_string(deadline.count());
  if (auto res = exec(conn, "SAVEPOINT " + name
                              + "; SET LOCAL statement_timeout = " + ms);
      !res)
    return {std::move(res.error()), {}};
  auto start = clock::now();
  auto err = apply_all(sql, ps, cs, timestamp_us);
  if (clock::now() - start > deadline)
    err = make_error(errc::projection_failed,
                     "inline projections took longer than their deadline of "
                       + ms + " ms" + (err ? " (" + to_text(err) + ")" : ""));
  if (!err) {
    auto res = exec(conn, "RELEASE SAVEPOINT " + name
                            + "; SET LOCAL statement_timeout TO DEFAULT");
    return {res ? caf::error{} : std::move(res.error()), {}};
  }
  if (auto res = exec(conn, "ROLLBACK TO SAVEPOINT " + name
                              + "; RELEASE SAVEPOINT " + name);
      !res)
    return {std::move(res.error()), {}};
  return {{}, std::move(err)};
}

} // namespace

caf::expected<int64_t>
run_inline(PGconn* conn, soci::session& sql,
           const inline_projections::list& ps,
           std::vector<inline_candidate>& cs, int64_t base,
           int64_t timestamp_us, std::chrono::milliseconds deadline) {
  int64_t total = 0;
  std::vector<inline_candidate*> all;
  for (auto& c : cs) {
    all.push_back(&c);
    total += static_cast<int64_t>(c.x->events.size());
  }
  // The common case: every projection accepts the whole batch at once.
  auto first = attempt(conn, sql, ps, all, timestamp_us, "mink_inline",
                       deadline);
  if (first.fatal)
    return std::move(first.fatal);
  if (!first.rejected)
    return total;
  if (cs.size() == 1) {
    // That was the one stream's own attempt: no need to try it again.
    cs.front().rejected = std::move(first.rejected);
    return 0;
  }
  // Find the streams that fail: one at a time, positions handed out anew.
  std::unordered_set<std::string> rejected_streams;
  auto next = base;
  for (auto& c : cs) {
    if (rejected_streams.count(c.x->stream_id) != 0) {
      c.rejected = make_error(errc::projection_failed,
                              "an earlier append of " + c.x->stream_id
                                + " in the same batch was rejected by an "
                                  "inline projection");
      continue;
    }
    c.first_position = next + 1;
    auto one = attempt(conn, sql, ps, {&c}, timestamp_us, "mink_inline_one",
                       deadline);
    if (one.fatal)
      return std::move(one.fatal);
    if (one.rejected) {
      c.rejected = std::move(one.rejected);
      rejected_streams.insert(c.x->stream_id);
    } else {
      next += static_cast<int64_t>(c.x->events.size());
    }
  }
  return next - base;
}

} // namespace mink::pg
