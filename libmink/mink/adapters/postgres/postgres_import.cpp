// The listing and import members of the PostgreSQL event store (the append
// and read paths are in postgres_event_store.cpp).

#include "mink/adapters/postgres/postgres_event_store.hpp"

#include <string_view>
#include <unordered_map>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_copy.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink {

namespace {

void put_import_row(std::string& buf, const import_event& x) {
  pg::put_event_fields(buf, x.position, x.stream_id, x.version, x.category,
                       x.ev, pg::timestamptz_literal(x.timestamp_us));
  buf += '\n';
}

} // namespace

caf::expected<std::vector<stream_summary>>
postgres_event_store::do_list_streams(const std::string& after_stream_id,
                                      size_t limit,
                                      const std::string& category) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  // COLLATE "C": by bytes, as every adapter orders stream ids.
  auto sql = "SELECT stream_id, max(version), max(position) FROM "
             + pg::quote_ident(schema_)
             + ".events WHERE stream_id COLLATE \"C\" > $1"
               " AND ($2 = '' OR category = $2) GROUP BY stream_id"
               " ORDER BY stream_id COLLATE \"C\" LIMIT $3";
  auto res = pg::exec(lease->conn(), sql,
                      {after_stream_id, category, std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  std::vector<stream_summary> result;
  result.reserve(static_cast<size_t>(res->rows()));
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(
      stream_summary{res->str(i, 0), res->int64(i, 1), res->int64(i, 2)});
  return result;
}

caf::error
postgres_event_store::do_import(const std::vector<import_event>& events) {
  if (!inline_.get()->empty())
    return make_error(errc::invalid_argument,
                      "this store runs inline projections, which imports "
                      "would bypass: import into a store without them");
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto conn = lease->conn();
  auto s = pg::quote_ident(schema_);
  auto fail = [&](caf::error err) {
    (void) pg::exec(conn, "ROLLBACK");
    return err;
  };
  // The counter row's lock orders us with every appender, as an append
  // does; nobody takes positions until we commit or roll back.
  auto locked = pg::exec(conn, "BEGIN ISOLATION LEVEL READ COMMITTED; UPDATE "
                                 + s
                                 + ".positions SET last = last WHERE id = 1"
                                   " RETURNING last");
  if (!locked)
    return fail(std::move(locked.error()));
  auto stored = locked->int64(0, 0);
  if (auto err = check_import_start(events.front().position, stored))
    return fail(std::move(err));
  std::unordered_map<std::string, int64_t> firsts;
  std::vector<std::string> ids;
  for (const auto& x : events)
    if (firsts.emplace(x.stream_id, x.version).second)
      ids.push_back(x.stream_id);
  auto versions = pg::exec(conn,
                           "SELECT s.id, (SELECT max(version) FROM " + s
                             + ".events e WHERE e.stream_id = s.id)"
                               " FROM unnest($1::text[]) AS s(id)",
                           {pg::text_array(ids)});
  if (!versions)
    return fail(std::move(versions.error()));
  for (int i = 0; i < versions->rows(); ++i) {
    auto id = versions->str(i, 0);
    auto current = versions->is_null(i, 1) ? 0 : versions->int64(i, 1);
    if (auto err = check_import_continues(id, current, firsts[id]))
      return fail(std::move(err));
  }
  pg::copy_stream copy{conn};
  if (auto err = copy.start("COPY " + s
                            + ".events (position, stream_id, version,"
                              " category, event_id, type, schema_version,"
                              " data, metadata, created_at) FROM STDIN"))
    return fail(std::move(err));
  for (const auto& x : events) {
    put_import_row(copy.buffer(), x);
    if (auto err = copy.flush_if_full())
      return fail(std::move(err));
  }
  auto copied = copy.finish(events.size());
  if (!copied)
    return fail(std::move(copied.error()));
  if (PQresultStatus(copied->get()) != PGRES_COMMAND_OK) {
    if (pg::unique_violation_on(*copied, {"event_id"}))
      return fail(make_error(errc::duplicate_event_id,
                             "an event id of the import is already stored"));
    return fail(pg::to_error(conn, copied->get(), "COPY imported events"));
  }
  if (auto set = pg::exec(conn,
                          "UPDATE " + s + ".positions SET last = $1 WHERE id = 1",
                          {std::to_string(events.back().position)});
      !set)
    return fail(std::move(set.error()));
  if (auto commit = pg::exec(conn, "COMMIT"); !commit)
    return std::move(commit.error());
  return {};
}

} // namespace mink
