// The command-record members of the PostgreSQL event store outside appends:
// lookup and purge. A record lives on the last event of its command
// (events.command_id, command_events) or, for commands without events and
// ids reused after a purge, in the commands table; positions.
// commands_purged_through marks which event-borne records a purge removed.

#include "mink/adapters/postgres/postgres_event_store.hpp"

#include <algorithm>
#include <string>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink {

void postgres_event_store::prepare_command_sql() {
  auto s = pg::quote_ident(schema_);
  auto events = s + ".events";
  auto positions = s + ".positions";
  auto commands = s + ".commands";
  const std::string micros
    = "(extract(epoch FROM created_at) * 1000000)::bigint";
  // At most one of the two is live: an id on an event is recorded in the
  // table only once that event's record is purged.
  sql_find_command_
    = "SELECT stream_id, version, position - command_events + 1, position, "
      + micros + " FROM " + events
      + " WHERE command_id = $1::uuid AND position > (SELECT "
        "commands_purged_through FROM "
      + positions + " WHERE id = 1) UNION ALL SELECT stream_id, version,"
                    " first_position, last_position, "
      + micros + " FROM " + commands + " WHERE command_id = $1::uuid LIMIT 1";
  const std::string before = "timestamptz 'epoch' + $1::bigint * interval "
                             "'1 microsecond'";
  sql_read_purge_mark_ = "SELECT commands_purged_through, last FROM "
                         + positions + " WHERE id = 1";
  // The position lock orders purges with appends.
  sql_lock_purge_mark_ = "SELECT commands_purged_through FROM " + positions
                         + " WHERE id = 1 FOR UPDATE";
  // The first event at or after the limit, from the old mark on: the new
  // mark goes just before it, so every event-borne record it frees was
  // written before the limit, even where write times do not grow with the
  // position (imported events, a clock set back). The scan reads what the
  // purge frees, and stops at the first young event.
  sql_purge_mark_at_ = "SELECT position FROM " + events
                       + " WHERE position > $2 AND created_at >= " + before
                       + " ORDER BY position LIMIT 1";
  sql_count_event_records_ = "SELECT count(*) FROM " + events
                             + " WHERE position > $1 AND position <= $2"
                               " AND command_id IS NOT NULL";
  sql_set_purge_mark_ = "UPDATE " + positions
                        + " SET commands_purged_through = $1 WHERE id = 1";
  sql_purge_commands_ = "DELETE FROM " + commands + " WHERE created_at < "
                        + before;
  sql_check_command_rows_ = "UPDATE " + positions
                            + " SET command_rows = EXISTS (SELECT 1 FROM "
                            + commands + ") WHERE id = 1";
}

caf::expected<std::optional<command_record>>
postgres_event_store::do_find_command(const std::string& command_id) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_find_command_, {command_id});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return std::optional<command_record>{};
  command_record rec;
  rec.command_id = command_id;
  rec.stream_id = res->str(0, 0);
  rec.version = res->int64(0, 1);
  rec.first_position = res->int64(0, 2);
  rec.last_position = res->int64(0, 3);
  rec.timestamp_us = res->int64(0, 4);
  return std::optional<command_record>{std::move(rec)};
}

caf::expected<size_t>
postgres_event_store::do_purge_commands(int64_t older_than_us) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  // PostgreSQL multiplies intervals in double precision, exact within
  // 2^53 microseconds of 1970 (the years 1685 to 2255); no record lies
  // beyond, and the clamp keeps the timestamp in PostgreSQL's range.
  constexpr int64_t bound = int64_t{1} << 53;
  auto limit = std::to_string(std::clamp(older_than_us, -bound, bound));
  auto run = [&]() -> caf::expected<size_t> {
    // The new mark is found before the lock, so that appends do not wait
    // for the scan; events at or below it are committed and stay as they
    // are.
    auto seen = pg::exec(conn, sql_read_purge_mark_);
    if (!seen)
      return std::move(seen.error());
    auto at = pg::exec(conn, sql_purge_mark_at_,
                       {limit, std::to_string(seen->int64(0, 0))});
    if (!at)
      return std::move(at.error());
    auto candidate = at->rows() > 0 ? at->int64(0, 0) - 1 : seen->int64(0, 1);
    auto mark = pg::exec(conn, sql_lock_purge_mark_);
    if (!mark)
      return std::move(mark.error());
    auto old_mark = mark->int64(0, 0);
    size_t purged = 0;
    if (candidate > old_mark) {
      auto new_mark = std::to_string(candidate);
      auto count = pg::exec(conn, sql_count_event_records_,
                            {std::to_string(old_mark), new_mark});
      if (!count)
        return std::move(count.error());
      purged += static_cast<size_t>(count->int64(0, 0));
      if (auto res = pg::exec(conn, sql_set_purge_mark_, {new_mark}); !res)
        return std::move(res.error());
    }
    auto deleted = pg::exec(conn, sql_purge_commands_, {limit});
    if (!deleted)
      return std::move(deleted.error());
    purged += static_cast<size_t>(std::stoull(PQcmdTuples(deleted->get())));
    // Appends skip the commands table while it is empty.
    if (auto res = pg::exec(conn, sql_check_command_rows_); !res)
      return std::move(res.error());
    return purged;
  };
  if (auto begin = pg::exec(conn, "BEGIN ISOLATION LEVEL READ COMMITTED");
      !begin)
    return std::move(begin.error());
  auto purged = run();
  if (!purged) {
    (void) pg::exec(conn, "ROLLBACK");
    return purged;
  }
  if (auto commit = pg::exec(conn, "COMMIT"); !commit)
    return std::move(commit.error());
  return purged;
}

} // namespace mink
