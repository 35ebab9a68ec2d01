#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink {

namespace pg {
class pool;
} // namespace pg

/// The PostgreSQL adapter of the snapshot store: the table
/// `<schema>.snapshots` next to the events of `postgres_event_store`.
///
/// A save is one statement, `INSERT ... ON CONFLICT (stream_id) DO UPDATE
/// ... WHERE snapshots.version < excluded.version`: the version check and
/// the write are atomic, also against other processes.
class postgres_snapshot_store : public snapshot_store {
public:
  /// Validates the schema name, connects with a pool of its own
  /// (`cfg.pool_size` connections) and migrates the schema up. Fails with
  /// `invalid_argument` for a bad schema name, `store_unavailable` when the
  /// server cannot be reached, `storage_failure` otherwise.
  [[nodiscard]] static caf::expected<std::unique_ptr<postgres_snapshot_store>>
  open(const postgres_config& cfg);

  ~postgres_snapshot_store() override;

  /// The schema this store lives in.
  [[nodiscard]] const std::string& schema() const noexcept { return schema_; }

protected:
  MINK_SNAPSHOT_STORE_OVERRIDES

  /// One prepared statement: `stream_id = ANY($1)`.
  void do_load_many(
    const std::vector<std::string>& stream_ids,
    std::vector<caf::expected<std::optional<snapshot>>>& out) override;

private:
  postgres_snapshot_store(const postgres_config& cfg,
                          std::unique_ptr<pg::pool> pool);

  /// Builds the SQL statements once, with the schema name in place.
  void prepare_sql();

  std::string schema_;
  std::chrono::milliseconds acquire_timeout_;
  std::unique_ptr<pg::pool> pool_;
  std::string sql_save_;
  std::string sql_load_;
  std::string sql_load_many_;
  /// The name `sql_load_many_` is prepared under on each connection.
  std::string sql_load_many_name_;
  std::string sql_remove_;
  std::string sql_list_all_;
  std::string sql_list_category_;
  std::string sql_purge_all_;
  std::string sql_purge_category_;
};

} // namespace mink
