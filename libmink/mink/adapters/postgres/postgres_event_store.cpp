#include "mink/adapters/postgres/postgres_event_store.hpp"

#include <algorithm>
#include <exception>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sql/projection_target.hpp"
#include "mink/adapters/postgres/pg_inline.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_commit_listener.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/postgres/pg_watchdog.hpp"

namespace mink {

namespace {

/// Converts row `i` of an event query into an envelope.
caf::expected<recorded_event> to_event(const pg::result& res, int i) {
  recorded_event ev;
  ev.global_position = res.int64(i, 0);
  ev.stream_id = res.str(i, 1);
  ev.stream_version = res.int64(i, 2);
  ev.event_id = res.str(i, 3);
  ev.type = res.str(i, 4);
  ev.schema_version = static_cast<int32_t>(res.int64(i, 5));
  ev.data = res.str(i, 6);
  auto meta = metadata_from_json(res.str(i, 7));
  if (!meta)
    return make_error(errc::decode_failed,
                      "metadata of event at position "
                        + std::to_string(ev.global_position)
                        + " cannot be decoded");
  ev.meta = std::move(*meta);
  ev.timestamp_us = res.int64(i, 8);
  return ev;
}

/// Converts the rows of an event query into envelopes.
caf::expected<std::vector<recorded_event>> to_events(const pg::result& res) {
  std::vector<recorded_event> result;
  result.reserve(static_cast<size_t>(res.rows()));
  for (int i = 0; i < res.rows(); ++i) {
    auto ev = to_event(res, i);
    if (!ev)
      return std::move(ev.error());
    result.push_back(std::move(*ev));
  }
  return result;
}

constexpr const char* event_columns
  = "position, stream_id, version, event_id::text, type, schema_version, "
    "data::text, metadata::text, "
    "(extract(epoch FROM created_at) * 1000000)::bigint";

} // namespace

caf::expected<std::unique_ptr<postgres_event_store>>
postgres_event_store::open(const postgres_config& cfg) {
  if (cfg.inline_deadline.count() <= 0)
    return make_error(errc::invalid_argument,
                      "inline_deadline must be positive");
  auto connections = pg::open_migrated_pool(cfg);
  if (!connections)
    return std::move(connections.error());
  return std::unique_ptr<postgres_event_store>{
    new postgres_event_store(cfg, std::move(*connections))};
}

postgres_event_store::postgres_event_store(const postgres_config& cfg,
                                           std::unique_ptr<pg::pool> pool)
  : schema_(cfg.schema),
    conninfo_(cfg.conninfo),
    acquire_timeout_(cfg.acquire_timeout),
    inline_deadline_(cfg.inline_deadline),
    pool_(std::move(pool)) {
  prepare_sql();
}

postgres_event_store::~postgres_event_store() = default;

std::unique_ptr<commit_watch>
postgres_event_store::do_watch_commits(commit_callback on_commit) {
  return pg::commit_listener::start(conninfo_, schema_, std::move(on_commit));
}

bool postgres_event_store::takes_fences() const noexcept {
  return true;
}

void postgres_event_store::prepare_sql() {
  auto s = pg::quote_ident(schema_);
  sql_notify_ = "NOTIFY " + pg::commit_channel(schema_) + ", '";
  auto events = s + ".events";
  auto positions = s + ".positions";
  auto select = std::string{"SELECT "} + event_columns + " FROM " + events;
  sql_reserve_ = "UPDATE " + positions
                 + " SET last = last + $n WHERE id = 1"
                   " RETURNING last - $n, command_rows, commands_purged_through,"
                   " (extract(epoch FROM clock_timestamp()) * 1000000)::bigint";
  sql_versions_ = "SELECT s.id, (SELECT max(version) FROM " + events
                  + " e WHERE e.stream_id = s.id) FROM unnest($1::text[]) "
                    "AS s(id)";
  sql_fences_ = "SELECT slice, epoch FROM " + s
                + ".cluster_slices WHERE slice = ANY($1::int[])";
  sql_known_ids_ = "SELECT event_id::text FROM " + events
                   + " WHERE event_id = ANY($1::uuid[])";
  sql_copy_ = "COPY " + events
              + " (position, stream_id, version, category, event_id, type, "
                "schema_version, data, metadata, created_at, command_id, "
                "command_events)"
                " FROM STDIN";
  sql_set_last_ = "UPDATE " + positions + " SET last = $1 WHERE id = 1";
  sql_read_forward_ = select
                      + " WHERE stream_id = $1 AND version >= $2"
                        " ORDER BY version LIMIT $3";
  sql_read_backward_ = select
                       + " WHERE stream_id = $1 AND version <= $2"
                         " ORDER BY version DESC LIMIT $3";
  // Each read's events in version order, then its 1-based index. The
  // lateral subquery walks the (stream_id, version) index once per read.
  sql_read_streams_name_ = pg::statement_name("mink_read_streams_", schema_);
  sql_read_streams_ = std::string{"SELECT e.*, r.i FROM unnest($1::text[],"
                                  " $2::bigint[]) WITH ORDINALITY"
                                  " AS r(id, from_version, i)"
                                  " CROSS JOIN LATERAL (SELECT "}
                      + event_columns + " FROM " + events
                      + " WHERE stream_id = r.id AND version >= r.from_version"
                        " ORDER BY version LIMIT $3) AS e"
                        " ORDER BY r.i, e.version";
  sql_read_all_ = select
                  + " WHERE position >= $1 AND ($2 = '' OR category = $2)"
                    " AND (cardinality($3::text[]) = 0"
                    " OR type = ANY($3::text[]))"
                    " ORDER BY position LIMIT $4";
  sql_stream_info_ = "SELECT max(version) FROM " + events
                     + " WHERE stream_id = $1";
  sql_last_position_ = "SELECT last FROM " + positions + " WHERE id = 1";
  auto commands = s + ".commands";
  sql_commands_table_ids_ = "SELECT command_id::text FROM " + commands
                            + " WHERE command_id = ANY($1::uuid[])";
  // Where each id is recorded: live (a repeat) or on an event at or below
  // the purge mark (free; a new record of it goes to the commands table).
  sql_command_homes_ = "SELECT command_id::text, true FROM " + commands
                       + " WHERE command_id = ANY($1::uuid[]) UNION ALL"
                         " SELECT command_id::text, position > $2 FROM "
                       + events + " WHERE command_id = ANY($1::uuid[])";
  sql_copy_commands_ = "COPY " + commands
                       + " (command_id, stream_id, version, first_position,"
                         " last_position) FROM STDIN";
  sql_mark_command_rows_ = "UPDATE " + positions
                           + " SET command_rows = true WHERE id = 1";
  prepare_command_sql();
}

caf::error
postgres_event_store::do_add_inline(std::shared_ptr<sql_projection> p) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto name = p->name();
  if (auto res = pg::exec(lease->conn(), "BEGIN"); !res)
    return std::move(res.error());
  auto err = call_handler(name, [&] { return p->setup(lease->session()); });
  if (err) {
    (void) pg::exec(lease->conn(), "ROLLBACK");
    return err;
  }
  if (auto res = pg::exec(lease->conn(), "COMMIT"); !res)
    return std::move(res.error());
  inline_.add(std::move(p));
  return {};
}

caf::expected<std::vector<recorded_event>>
postgres_event_store::do_read_stream(const std::string& stream_id,
                                     int64_t from_version, size_t limit,
                                     read_direction dir) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto& sql = dir == read_direction::forward ? sql_read_forward_
                                             : sql_read_backward_;
  auto res = pg::exec(lease->conn(), sql,
                      {stream_id, std::to_string(from_version),
                       std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  return to_events(*res);
}

void postgres_event_store::do_read_streams(const std::vector<stream_read>& reads,
                                           size_t limit, stream_reads& out) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return pg::fail_all(out, lease.error());
  std::vector<std::string> ids;
  std::vector<int64_t> froms;
  ids.reserve(reads.size());
  froms.reserve(reads.size());
  for (const auto& r : reads) {
    ids.push_back(r.stream_id);
    froms.push_back(r.from_version);
  }
  auto res = pg::exec_prepared(lease->conn(), sql_read_streams_name_,
                               sql_read_streams_,
                               {pg::text_array(ids), pg::int64_array(froms),
                                std::to_string(limit)});
  if (!res)
    return pg::fail_all(out, res.error());
  // Each stream's events in one allocation: an envelope is large to move.
  std::vector<size_t> counts(out.size());
  for (int row = 0; row < res->rows(); ++row) {
    auto i = static_cast<size_t>(res->int64(row, 9) - 1);
    if (i < counts.size())
      ++counts[i];
  }
  for (size_t i = 0; i < out.size(); ++i)
    out[i]->reserve(counts[i]);
  // A row that cannot be decoded fails its own stream alone.
  for (int row = 0; row < res->rows(); ++row) {
    auto i = static_cast<size_t>(res->int64(row, 9) - 1);
    if (i >= out.size() || !out[i])
      continue;
    if (auto ev = to_event(*res, row))
      out[i]->push_back(std::move(*ev));
    else
      out[i] = std::move(ev.error());
  }
}

caf::expected<std::vector<recorded_event>>
postgres_event_store::do_read_all(int64_t from_position, size_t limit,
                                  const read_filter& filter) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_read_all_,
                      {std::to_string(from_position), filter.category,
                       pg::text_array(filter.event_types),
                       std::to_string(limit)});
  if (!res)
    return std::move(res.error());
  return to_events(*res);
}

caf::expected<mink::stream_info>
postgres_event_store::do_stream_info(const std::string& stream_id) {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_stream_info_, {stream_id});
  if (!res)
    return std::move(res.error());
  if (res->is_null(0, 0))
    return mink::stream_info{};
  return mink::stream_info{true, res->int64(0, 0)};
}

caf::expected<int64_t> postgres_event_store::do_last_position() {
  auto lease = pool_->acquire(acquire_timeout_);
  if (!lease)
    return std::move(lease.error());
  auto res = pg::exec(lease->conn(), sql_last_position_);
  if (!res)
    return std::move(res.error());
  return res->int64(0, 0);
}

} // namespace mink
