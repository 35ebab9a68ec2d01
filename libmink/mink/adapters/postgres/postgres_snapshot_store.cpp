#include "mink/adapters/postgres/postgres_snapshot_store.hpp"

#include <charconv>
#include <string_view>
#include <unordered_map>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink {

namespace {

/// Microseconds since the epoch, as `recorded_event::timestamp_us`.
constexpr std::string_view timestamp_column
  = "(extract(epoch FROM created_at) * 1000000)::bigint";

/// Selects the streams of the category in parameter `p` (e.g. `$2`): the
/// id is the category itself or starts with `<category>-`. Ids with that
/// prefix are exactly those in the byte range [`<category>-`,
/// `<category>.`) ('.' follows '-'; the column collates as "C"), so the
/// condition is a range on the primary key. The port guarantees that the
/// category has no '-'.
std::string in_category(const std::string& p) {
  auto c = p + "::text";
  return "stream_id >= " + c + " AND stream_id < (" + c + " || '.') AND ("
         + "stream_id = " + c + " OR stream_id >= (" + c + " || '-'))";
}


} // namespace

caf::expected<std::unique_ptr<postgres_snapshot_store>>
postgres_snapshot_store::open(const postgres_config& cfg) {
  auto connections = pg::open_migrated_pool(cfg);
  if (!connections)
    return std::move(connections.error());
  return std::unique_ptr<postgres_snapshot_store>{
    new postgres_snapshot_store(cfg, std::move(*connections))};
}

postgres_snapshot_store::postgres_snapshot_store(
  const postgres_config& cfg, std::unique_ptr<pg::pool> pool)
  : schema_(cfg.schema),
    acquire_timeout_(cfg.acquire_timeout),
    pool_(std::move(pool)) {
  prepare_sql();
}

postgres_snapshot_store::~postgres_snapshot_store() = default;

void postgres_snapshot_store::prepare_sql() {
  auto table = pg::quote_ident(schema_) + ".snapshots";
  std::string ts{timestamp_column};
  // Keeps the stored row when its version is the same or higher.
  sql_save_ = "INSERT INTO " + table
              + " AS snapshots (stream_id, version, state_type,"
                " schema_version, data) VALUES ($1, $2, $3, $4, $5)"
                " ON CONFLICT (stream_id) DO UPDATE SET"
                " version = excluded.version,"
                " state_type = excluded.state_type,"
                " schema_version = excluded.schema_version,"
                " data = excluded.data,"
                " created_at = clock_timestamp()"
                " WHERE snapshots.version <= excluded.version";
  sql_load_ = "SELECT version, state_type, schema_version, data::text, " + ts
              + " FROM " + table + " WHERE stream_id = $1";
  sql_load_many_name_ = pg::statement_name("mink_load_snapshots_", schema_);
  sql_load_many_ = "SELECT stream_id, version, state_type, schema_version,"
                   " data::text, "
                   + ts + " FROM " + table
                   + " WHERE stream_id = ANY($1::text[])";
  sql_remove_ = "DELETE FROM " + table + " WHERE stream_id = $1";
  // octet_length of the uncompressed value; for TOASTed data it reads the
  // size from the TOAST pointer without fetching the data.
  auto select = "SELECT stream_id, version, state_type, schema_version,"
                " octet_length(data::text), "
                + ts + " FROM " + table;
  sql_list_all_ = select
                  + " WHERE stream_id > $1 ORDER BY stream_id LIMIT $2";
  sql_list_category_ = select + " WHERE stream_id > $1 AND "
                       + in_category("$2") + " ORDER BY stream_id LIMIT $3";
  sql_purge_all_ = "DELETE FROM " + table;
  sql_purge_category_ = "DELETE FROM " + table + " WHERE "
                        + in_category("$1");
}

caf::error postgres_snapshot_store::do_save(snapshot& s) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_save_,
                      {s.stream_id, std::to_string(s.version), s.state_type,
                       std::to_string(s.schema_version), s.data});
  if (!res)
    return std::move(res.error());
  return {};
}

caf::expected<std::optional<snapshot>>
postgres_snapshot_store::do_load(const std::string& stream_id) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_load_, {stream_id});
  if (!res)
    return std::move(res.error());
  if (res->rows() == 0)
    return std::optional<snapshot>{};
  snapshot result;
  result.stream_id = stream_id;
  result.version = res->int64(0, 0);
  result.state_type = res->str(0, 1);
  result.schema_version = static_cast<int32_t>(res->int64(0, 2));
  result.data = res->str(0, 3);
  result.timestamp_us = res->int64(0, 4);
  return std::optional<snapshot>{std::move(result)};
}

void postgres_snapshot_store::do_load_many(
  const std::vector<std::string>& stream_ids,
  std::vector<caf::expected<std::optional<snapshot>>>& out) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return pg::fail_all(out, lease.error());
  auto res = pg::exec_prepared(lease->conn(), sql_load_many_name_,
                               sql_load_many_, {pg::text_array(stream_ids)});
  if (!res)
    return pg::fail_all(out, res.error());
  // Slots by stream id; an id may be asked for more than once.
  std::unordered_map<std::string_view, std::vector<size_t>> slots;
  for (size_t i = 0; i < stream_ids.size(); ++i)
    slots[stream_ids[i]].push_back(i);
  for (int row = 0; row < res->rows(); ++row) {
    auto found = slots.find(res->text(row, 0));
    if (found == slots.end())
      continue;
    snapshot s;
    s.stream_id = res->str(row, 0);
    s.version = res->int64(row, 1);
    s.state_type = res->str(row, 2);
    s.schema_version = static_cast<int32_t>(res->int64(row, 3));
    s.data = res->str(row, 4);
    s.timestamp_us = res->int64(row, 5);
    for (auto i : found->second)
      out[i] = std::optional<snapshot>{s};
  }
}

caf::error postgres_snapshot_store::do_remove(const std::string& stream_id) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_remove_, {stream_id});
  if (!res)
    return std::move(res.error());
  return {};
}

caf::expected<std::vector<snapshot_info>>
postgres_snapshot_store::do_list(const std::string& after_stream_id,
                                 size_t limit, const std::string& category) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = category.empty()
               ? pg::exec(lease->conn(), sql_list_all_,
                          {after_stream_id, std::to_string(limit)})
               : pg::exec(lease->conn(), sql_list_category_,
                          {after_stream_id, category, std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  std::vector<snapshot_info> result;
  result.reserve(static_cast<size_t>(res->rows()));
  for (int i = 0; i < res->rows(); ++i)
    result.push_back(snapshot_info{res->str(i, 0), res->int64(i, 1),
                                   res->str(i, 2),
                                   static_cast<int32_t>(res->int64(i, 3)),
                                   static_cast<size_t>(res->int64(i, 4)),
                                   res->int64(i, 5)});
  return result;
}

caf::expected<size_t>
postgres_snapshot_store::do_purge(const std::string& category) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = category.empty()
               ? pg::exec(lease->conn(), sql_purge_all_)
               : pg::exec(lease->conn(), sql_purge_category_, {category});
  if (!res)
    return std::move(res.error());
  return static_cast<size_t>(pg::affected_rows(*res));
}

} // namespace mink
