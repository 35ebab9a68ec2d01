#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "mink/adapters/open_stores.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/saga/saga_store.hpp"

namespace mink {

/// The saga store of the SQL adapters (SQLite, PostgreSQL): tables
/// `<prefix>mink_saga_state` and `<prefix>mink_saga_timers`, created when
/// first used, in the database of `checkpoints`, through its sessions.
class sql_saga_store : public saga_store {
public:
  /// `prefix` is the adapter's table prefix (`schema.` on PostgreSQL; it
  /// comes from a validated schema name).
  sql_saga_store(std::shared_ptr<sql_checkpoint_store> checkpoints,
                 std::string prefix);

  MINK_SAGA_STORE_OVERRIDES

private:
  /// Runs `work` in a transaction, after creating the tables once.
  caf::error run(const std::function<void(soci::session&)>& work);

  std::shared_ptr<sql_checkpoint_store> checkpoints_;
  std::string state_table_;
  std::string timer_table_;
  std::mutex setup_mtx_;
  bool ready_ = false;
};

/// The saga store for `stores`: SQL beside its checkpoints when it has a
/// SQL checkpoint store (SQLite, PostgreSQL), in memory otherwise.
[[nodiscard]] std::shared_ptr<saga_store> make_saga_store(const store_set& stores);

} // namespace mink
