#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <libpq-fe.h>

#include "mink/adapters/postgres/pg_pool.hpp"
#include "mink/adapters/postgres/postgres_config.hpp"

namespace mink::pg {

/// One step of the PostgreSQL schema.
struct migration {
  int32_t version;
  std::string name;
  /// SQL with `{schema}` standing for the quoted schema name.
  std::string sql;
};

/// Every migration mink knows, in version order.
const std::vector<migration>& migrations();

/// A migration recorded as applied in `<schema>.schema_migrations`.
struct applied_migration {
  int32_t version;
  std::string name;
  std::string applied_at;
};

/// Creates `schema` if needed and applies every migration it lacks, in one
/// transaction under an advisory lock, recording each in
/// `<schema>.schema_migrations`. Running it again changes nothing; several
/// processes may run it at once. `schema` must be validated already.
[[nodiscard]] caf::error migrate_up(PGconn* conn, const std::string& schema);

/// Validates `cfg.schema`, opens `cfg.pool_size` connections and migrates
/// the schema up: what every PostgreSQL adapter does when it opens.
[[nodiscard]] caf::expected<std::unique_ptr<pool>>
open_migrated_pool(const postgres_config& cfg);

/// Lists the migrations applied to `schema` (empty when none).
caf::expected<std::vector<applied_migration>>
migration_status(PGconn* conn, const std::string& schema);

} // namespace mink::pg
