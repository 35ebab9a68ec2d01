// mink migrate up | status

#include <filesystem>
#include <iostream>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "mink/adapters/postgres/pg_migrations.hpp"
#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/pg_result.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "mink/adapters/open_stores.hpp"
#include "mink/adapters/store_adapter.hpp"

namespace mink::cli {

namespace {

/// Opens one PostgreSQL connection without migrating anything.
std::unique_ptr<pg::pool> pg_connect(context& ctx) {
  const auto& cfg = ctx.store.postgres();
  if (auto err = pg::validate_schema_name(cfg.schema))
    fail(message_of(err), exit_usage);
  return value_or_fail(pg::pool::open(cfg.conninfo, 1),
                       "cannot connect to " + ctx.store.describe());
}

/// An adapter outside mink's own: the version its `read_schema` reports.
void print_other_status(context& ctx) {
  auto v = value_or_fail(read_schema_version(ctx.store.location(),
                                             ctx.store.options()),
                         "cannot read the schema version of "
                           + ctx.store.describe());
  std::cout << "store: " << ctx.store.describe() << '\n'
            << "schema version: " << v.current << " (this build knows "
            << v.latest << ")\n";
}

void print_status(context& ctx) {
  if (ctx.store.location().kind == store_kind::other)
    return print_other_status(ctx);
  if (ctx.store.is_postgres()) {
    auto pool = pg_connect(ctx);
    auto lease = value_or_fail(pool->acquire(std::chrono::seconds{10}),
                               "cannot connect");
    auto applied = value_or_fail(pg::migration_status(lease.conn(),
                                                      ctx.store.postgres()
                                                        .schema),
                                 "cannot read the migrations");
    int current = applied.empty() ? 0 : applied.back().version;
    const auto& known = pg::migrations();
    int latest = known.empty() ? 0 : known.back().version;
    std::cout << "store: " << ctx.store.describe() << '\n'
              << "schema version: " << current << " (this mink knows "
              << latest << ")\n";
    for (const auto& m : applied)
      std::cout << "  applied  " << m.version << "  " << m.name << "  "
                << m.applied_at << '\n';
    int pending = 0;
    for (const auto& m : known)
      if (m.version > current) {
        std::cout << "  pending  " << m.version << "  " << m.name << '\n';
        ++pending;
      }
    std::cout << "pending migrations: " << pending << '\n';
    if (current > latest)
      fail("the database is newer than this mink (schema version "
           + std::to_string(current) + ")");
    return;
  }
  const auto& path = ctx.store.sqlite().path;
  auto applied = value_or_fail(sqlite_applied_migrations(path),
                               "cannot read the migrations of " + path);
  int current = applied.empty() ? 0 : applied.back().version;
  int latest = sqlite_latest_schema_version();
  std::error_code ec;
  std::cout << "store: " << ctx.store.describe()
            << (std::filesystem::exists(path, ec) ? "" : " (no file yet)")
            << '\n'
            << "schema version: " << current << " (this mink knows " << latest
            << ")\n";
  for (const auto& m : applied)
    std::cout << "  applied  " << m.version << "  " << m.name << '\n';
  for (int v = current + 1; v <= latest; ++v)
    std::cout << "  pending  " << v << '\n';
  std::cout << "pending migrations: " << std::max(0, latest - current) << '\n';
  if (current > latest)
    fail("the database is newer than this mink (schema version "
         + std::to_string(current) + ")");
}

void migrate_up(context& ctx) {
  if (ctx.store.location().kind == store_kind::other) {
    // Its stores migrate when they open with `migrate` on.
    value_or_fail(open_stores(ctx.store.location(), ctx.store.options(true)),
                  "migration of " + ctx.store.describe() + " failed");
    std::cout << "migrated " << ctx.store.describe() << '\n';
  } else if (ctx.store.is_postgres()) {
    auto pool = pg_connect(ctx);
    auto lease = value_or_fail(pool->acquire(std::chrono::seconds{10}),
                               "cannot connect");
    if (auto err = pg::migrate_up(lease.conn(), ctx.store.postgres().schema))
      fail("migration failed", err);
    std::cout << "migrated " << ctx.store.describe() << '\n';
  } else {
    const auto& path = ctx.store.sqlite().path;
    auto parent = std::filesystem::path{path}.parent_path();
    std::error_code ec;
    if (!parent.empty())
      std::filesystem::create_directories(parent, ec);
    auto n = value_or_fail(apply_sqlite_migrations(path),
                           "migration of " + path + " failed");
    std::cout << "applied " << n << " migration(s) to " << path << '\n';
  }
  print_status(ctx);
}

} // namespace

void add_migrate(CLI::App& app, context& ctx) {
  auto cmd = app.add_subcommand("migrate", "Apply or show schema migrations");
  cmd->require_subcommand(1);
  cmd->add_subcommand("up", "Apply every migration the store lacks (creates "
                            "a SQLite file when missing)")
    ->callback([&ctx] {
      ctx.resolve();
      migrate_up(ctx);
    });
  cmd->add_subcommand("status", "Show the schema version, applied and "
                                "pending migrations (changes nothing)")
    ->callback([&ctx] {
      ctx.resolve();
      print_status(ctx);
    });
}

} // namespace mink::cli
