#include "mink/adapters/postgres/pg_migrations.hpp"

#include <set>

#include "mink/errc.hpp"
#include "mink/adapters/postgres/pg_result.hpp"

namespace mink::pg {

namespace {

std::string with_schema(std::string sql, const std::string& schema) {
  const std::string placeholder = "{schema}";
  auto quoted = quote_ident(schema);
  for (auto pos = sql.find(placeholder); pos != std::string::npos;
       pos = sql.find(placeholder, pos + quoted.size()))
    sql.replace(pos, placeholder.size(), quoted);
  return sql;
}

} // namespace

const std::vector<migration>& migrations() {
  static const std::vector<migration> all{
    {1, "events and the position counter", R"sql(
CREATE TABLE {schema}.events (
  position       bigint      PRIMARY KEY,
  stream_id      text        NOT NULL,
  version        bigint      NOT NULL,
  category       text        NOT NULL,
  event_id       uuid        NOT NULL UNIQUE,
  type           text        NOT NULL,
  schema_version integer     NOT NULL,
  data           json        NOT NULL,
  metadata       json        NOT NULL,
  -- clock_timestamp(), not now(): taken per row after the position lock,
  -- so it is the write time and grows with the position.
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp(),
  UNIQUE (stream_id, version)
);
-- One row; every append transaction locks it, so positions are handed out
-- in commit order and no reader can see position p before p - 1.
CREATE TABLE {schema}.positions (
  id   integer PRIMARY KEY CHECK (id = 1),
  last bigint  NOT NULL
);
INSERT INTO {schema}.positions VALUES (1, 0);
)sql"},
    {2, "snapshots", R"sql(
-- The latest snapshot per stream (postgres_snapshot_store). COLLATE "C":
-- stream ids sort by their bytes whatever the database's collation, so
-- listing pages the same way on every adapter, and the primary key index
-- serves paging and category ranges.
CREATE TABLE {schema}.snapshots (
  stream_id      text COLLATE "C" PRIMARY KEY,
  version        bigint      NOT NULL,
  state_type     text        NOT NULL,
  schema_version integer     NOT NULL,
  data           json        NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
)sql"},
    {3, "command records", R"sql(
-- Records of idempotent appends (stream_append::command_id), written in the
-- transaction of the command's events, under the position lock. Positions
-- are 0 when the command produced no events. No index on created_at: it
-- would cost every command an index insert, for a purge that runs rarely
-- (a scan of this narrow table).
CREATE TABLE {schema}.commands (
  command_id     uuid        PRIMARY KEY,
  stream_id      text        NOT NULL,
  version        bigint      NOT NULL,
  first_position bigint      NOT NULL,
  last_position  bigint      NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT clock_timestamp()
);
)sql"},
    {4, "projection checkpoints and dead letters", R"sql(
-- One row per projection (postgres_checkpoint_store): its checkpoint, what
-- operators asked of it (desired, reset_to, rebuild_requested) and what its
-- runner last reported. COLLATE "C": names sort by their bytes, as on the
-- other adapters.
CREATE TABLE {schema}.projections (
  name              text COLLATE "C" PRIMARY KEY,
  position          bigint           NOT NULL DEFAULT 0,
  desired           text             NOT NULL DEFAULT 'running',
  reset_to          bigint,
  rebuild_requested boolean          NOT NULL DEFAULT false,
  state             text             NOT NULL DEFAULT 'stopped',
  last_error        text             NOT NULL DEFAULT '',
  lag_events        bigint           NOT NULL DEFAULT 0,
  lag_seconds       double precision NOT NULL DEFAULT 0,
  runner            text             NOT NULL DEFAULT '',
  reported_at       timestamptz
);
-- Events a projection skipped under its error policy, by global position.
CREATE TABLE {schema}.projection_dead_letters (
  projection       text COLLATE "C" NOT NULL,
  position         bigint           NOT NULL,
  event_id         text             NOT NULL,
  stream_id        text             NOT NULL,
  event_type       text             NOT NULL,
  error            text             NOT NULL,
  parked_at        timestamptz      NOT NULL DEFAULT clock_timestamp(),
  replay_requested boolean          NOT NULL DEFAULT false,
  PRIMARY KEY (projection, position)
);
)sql"},
    {5, "command records on events", R"sql(
-- The record of a command with events lives on its last event: no second
-- table written per command. The partial index holds only those events.
-- commands keeps the records of commands without events and of ids reused
-- after a purge. A purge moves commands_purged_through instead of touching
-- events: ids on events at or below it are free again. command_rows says
-- whether commands may hold a record, so that appends look there only then.
ALTER TABLE {schema}.events
  ADD COLUMN command_id uuid,
  ADD COLUMN command_events integer;
CREATE UNIQUE INDEX events_command_id_key ON {schema}.events (command_id)
  WHERE command_id IS NOT NULL;
ALTER TABLE {schema}.positions
  ADD COLUMN commands_purged_through bigint NOT NULL DEFAULT 0,
  ADD COLUMN command_rows boolean NOT NULL DEFAULT true;
UPDATE {schema}.positions
  SET command_rows = EXISTS (SELECT 1 FROM {schema}.commands);
)sql"},
    {6, "cluster leases", R"sql(
-- Nodes of a cluster (pg_lease_store): a node is live while expires_at is
-- ahead of the server's clock, which it renews at each heartbeat.
CREATE TABLE {schema}.cluster_nodes (
  node_id    text        PRIMARY KEY,
  address    text        NOT NULL,
  joined_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
  expires_at timestamptz NOT NULL
);
-- One lease per slice, written by the first node to join. epoch grows on
-- every change of owner (to none included); an append fenced with another
-- epoch is refused in its transaction, read under the position lock, which
-- claims take too.
CREATE TABLE {schema}.cluster_slices (
  slice integer PRIMARY KEY CHECK (slice >= 0),
  owner text,
  epoch bigint  NOT NULL DEFAULT 0
);
)sql"},
  };
  return all;
}

caf::error migrate_up(PGconn* conn, const std::string& schema) {
  auto run = [&]() -> caf::error {
    // The lock key is per schema, so two schemas migrate independently.
    auto lock = exec(conn, "SELECT pg_advisory_xact_lock(hashtext($1))",
                     {"mink.migrate." + schema});
    if (!lock)
      return std::move(lock.error());
    auto setup = exec(conn, with_schema(R"sql(
CREATE SCHEMA IF NOT EXISTS {schema};
CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);)sql",
                                        schema));
    if (!setup)
      return std::move(setup.error());
    auto applied = exec(conn, with_schema("SELECT version FROM "
                                          "{schema}.schema_migrations",
                                          schema));
    if (!applied)
      return std::move(applied.error());
    std::set<int64_t> done;
    for (int i = 0; i < applied->rows(); ++i)
      done.insert(applied->int64(i, 0));
    // A newer build migrated this schema: running old code on it could
    // write rows the newer code does not expect.
    if (!done.empty() && *done.rbegin() > migrations().back().version)
      return make_error(errc::storage_failure,
                        "schema " + schema + " is at version "
                          + std::to_string(*done.rbegin())
                          + ", newer than this build of mink knows ("
                          + std::to_string(migrations().back().version) + ")");
    for (const auto& m : migrations()) {
      if (done.count(m.version) != 0)
        continue;
      if (auto res = exec(conn, with_schema(m.sql, schema)); !res)
        return std::move(res.error());
      auto record = exec(conn,
                         with_schema("INSERT INTO {schema}.schema_migrations"
                                     " (version, name) VALUES ($1, $2)",
                                     schema),
                         {std::to_string(m.version), m.name});
      if (!record)
        return std::move(record.error());
    }
    return {};
  };
  if (auto begin = exec(conn, "BEGIN"); !begin)
    return std::move(begin.error());
  if (auto err = run()) {
    (void) exec(conn, "ROLLBACK");
    return err;
  }
  if (auto commit = exec(conn, "COMMIT"); !commit)
    return std::move(commit.error());
  return {};
}

caf::expected<std::unique_ptr<pool>>
open_migrated_pool(const postgres_config& cfg) {
  if (auto err = validate_schema_name(cfg.schema))
    return err;
  auto connections = pool::open(
    cfg.conninfo, cfg.pool_size,
    pool_limits{cfg.statement_deadline, cfg.connect_timeout});
  if (!connections)
    return std::move(connections.error());
  {
    auto lease = (*connections)->acquire(cfg.acquire_timeout);
    if (!lease)
      return std::move(lease.error());
    if (auto err = migrate_up(lease->conn(), cfg.schema))
      return err;
  }
  return std::move(*connections);
}

caf::expected<std::vector<applied_migration>>
migration_status(PGconn* conn, const std::string& schema) {
  std::vector<applied_migration> result;
  auto exists = exec(conn, "SELECT to_regclass($1) IS NOT NULL",
                     {quote_ident(schema) + ".schema_migrations"});
  if (!exists)
    return std::move(exists.error());
  if (exists->text(0, 0) != "t")
    return result;
  auto rows = exec(conn,
                   with_schema("SELECT version, name, applied_at::text FROM "
                               "{schema}.schema_migrations ORDER BY version",
                               schema));
  if (!rows)
    return std::move(rows.error());
  for (int i = 0; i < rows->rows(); ++i)
    result.push_back(applied_migration{static_cast<int32_t>(rows->int64(i, 0)),
                                       rows->str(i, 1), rows->str(i, 2)});
  return result;
}

} // namespace mink::pg
