#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include <libpq-fe.h>

#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_config.hpp"

namespace mink {

namespace pg {
class pool;
} // namespace pg

/// The PostgreSQL adapter of the checkpoint store: the tables
/// `<schema>.projections` and `<schema>.projection_dead_letters` next to
/// the events of `postgres_event_store`, so a read model in that database
/// commits with its checkpoint.
///
/// Each call leases a connection of its pool. `transact` runs its work on
/// the SOCI session of the leased connection, between `BEGIN` and
/// `COMMIT`; after a failure it rolls back, so the connection goes back to
/// the pool without an open transaction.
///
/// Runner leases are session-level advisory locks on the key
/// `mink.projection.SCHEMA.NAME` (`pg_try_advisory_lock(hashtextextended(key,
/// 0))`), each on a connection opened for that lease alone: the server
/// drops the lock when the lease is destroyed or its process dies.
class postgres_checkpoint_store : public sql_checkpoint_store {
public:
  /// Validates the schema name, connects with a pool of its own
  /// (`cfg.pool_size` connections) and migrates the schema up. Fails with
  /// `invalid_argument` for a bad schema name, `store_unavailable` when the
  /// server cannot be reached, `storage_failure` otherwise.
  [[nodiscard]] static caf::expected<std::unique_ptr<postgres_checkpoint_store>>
  open(const postgres_config& cfg);

  ~postgres_checkpoint_store() override;

  /// The schema this store lives in.
  [[nodiscard]] const std::string& schema() const noexcept { return schema_; }

protected:
  MINK_SQL_CHECKPOINT_STORE_OVERRIDES

private:
  postgres_checkpoint_store(const postgres_config& cfg,
                            std::unique_ptr<pg::pool> pool);

  /// Builds the SQL statements once, with the schema name in place.
  void prepare_sql();

  /// Moves the checkpoint on a leased connection (inside a transaction or
  /// not).
  caf::error compare_and_set(PGconn* conn, const std::string& name,
                             int64_t expected, int64_t position);

  /// Runs `sql` (a statement of the record of `$1`) and returns
  /// `projection_not_found` when it changed no row.
  caf::error update_record(const std::string& sql,
                           const std::vector<std::string>& params);

  /// Returns whether the record of `name` exists.
  caf::expected<bool> record_exists(PGconn* conn, const std::string& name);

  std::string schema_;
  /// Opens lease connections; never logged.
  std::string conninfo_;
  std::chrono::milliseconds acquire_timeout_;
  /// Bounds the statements of runner leases.
  std::chrono::milliseconds statement_deadline_;
  std::unique_ptr<pg::pool> pool_;
  std::string sql_ensure_;
  std::string sql_load_;
  std::string sql_list_;
  std::string sql_save_;
  std::string sql_position_;
  std::string sql_exists_;
  std::string sql_set_desired_;
  std::string sql_request_reset_;
  std::string sql_request_rebuild_;
  std::string sql_complete_;
  std::string sql_report_;
  std::string sql_park_;
  std::string sql_park_in_;
  std::string sql_letters_all_;
  std::string sql_letters_of_;
  std::string sql_replay_;
  std::string sql_remove_letter_;
  std::string sql_remove_letter_in_;
};

} // namespace mink
