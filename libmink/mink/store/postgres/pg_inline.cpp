#include "mink/store/postgres/pg_inline.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "mink/errc.hpp"
#include "mink/store/postgres/pg_result.hpp"

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

} // namespace

caf::expected<int64_t>
run_inline(PGconn* conn, soci::session& sql,
           const inline_projections::list& ps,
           std::vector<inline_candidate>& cs, int64_t base,
           int64_t timestamp_us) {
  int64_t total = 0;
  std::vector<inline_candidate*> all;
  for (auto& c : cs) {
    all.push_back(&c);
    total += static_cast<int64_t>(c.x->events.size());
  }
  if (auto res = exec(conn, "SAVEPOINT mink_inline"); !res)
    return std::move(res.error());
  // The common case: every projection accepts the whole batch at once.
  if (!apply_all(sql, ps, all, timestamp_us)) {
    if (auto res = exec(conn, "RELEASE SAVEPOINT mink_inline"); !res)
      return std::move(res.error());
    return total;
  }
  if (auto res = exec(conn, "ROLLBACK TO SAVEPOINT mink_inline"); !res)
    return std::move(res.error());
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
    if (auto res = exec(conn, "SAVEPOINT mink_inline_one"); !res)
      return std::move(res.error());
    auto err = apply_all(sql, ps, {&c}, timestamp_us);
    if (err) {
      if (auto res = exec(conn, "ROLLBACK TO SAVEPOINT mink_inline_one"); !res)
        return std::move(res.error());
      c.rejected = std::move(err);
      rejected_streams.insert(c.x->stream_id);
    } else {
      next += static_cast<int64_t>(c.x->events.size());
    }
    if (auto res = exec(conn, "RELEASE SAVEPOINT mink_inline_one"); !res)
      return std::move(res.error());
  }
  if (auto res = exec(conn, "RELEASE SAVEPOINT mink_inline"); !res)
    return std::move(res.error());
  return next - base;
}

} // namespace mink::pg
