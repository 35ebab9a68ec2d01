#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/projection/checkpoint_store.hpp"

namespace soci {
class session;
} // namespace soci

namespace mink {

/// A checkpoint store that lives in a SQL database (SQLite, PostgreSQL),
/// whose transactions read models in the same database join: the rows a
/// projection writes and its checkpoint commit together, so each event
/// takes effect exactly once, even when a process dies mid-batch.
class sql_checkpoint_store : public checkpoint_store {
public:
  /// The work of one transaction: writes the read model through the
  /// session and returns the position the checkpoint moves to.
  using work_fn = std::function<caf::expected<int64_t>(soci::session&)>;

  /// Begins a transaction, runs `work`, moves the checkpoint of `name`
  /// from `expected` to the position `work` returned, and commits. When
  /// `work` fails (an error or an exception, which becomes
  /// `projection_failed` with its message) or the checkpoint is no longer
  /// at `expected` (`wrong_expected_version`), rolls everything back and
  /// returns the error. `work` may use savepoints.
  [[nodiscard]] caf::error transact(const std::string& name, int64_t expected,
                                    const work_fn& work);

  /// Runs `work` in a transaction of its own, without a checkpoint (for a
  /// read model's setup). Errors as in `transact`.
  [[nodiscard]] caf::error
  run(const std::function<caf::error(soci::session&)>& work);

  /// Parks `ev` as a dead letter inside the transaction that `session`
  /// belongs to (a session handed to `transact` work); see
  /// `checkpoint_store::park`. Throws SOCI's exceptions, like any statement
  /// run in `work`; `std::invalid_argument` for a bad name or position and
  /// `std::runtime_error` when `name` has no record. (Thrown inside `work`,
  /// each becomes `projection_failed` and rolls the transaction back.)
  void park_in(soci::session& session, const std::string& name,
               const recorded_event& ev, const std::string& error);

  /// Deletes a dead letter inside the transaction that `session` belongs
  /// to. Throws SOCI's exceptions, or `std::invalid_argument` for a bad
  /// name or position.
  void remove_dead_letter_in(soci::session& session, const std::string& name,
                             int64_t position);

protected:
  virtual caf::error do_transact(const std::string& name, int64_t expected,
                                 const work_fn& work)
    = 0;

  virtual caf::error
  do_run(const std::function<caf::error(soci::session&)>& work)
    = 0;

  virtual void do_park_in(soci::session& session, const std::string& name,
                          const recorded_event& ev, const std::string& error)
    = 0;

  virtual void do_remove_dead_letter_in(soci::session& session,
                                        const std::string& name,
                                        int64_t position)
    = 0;
};

} // namespace mink

/// Declares every override of `sql_checkpoint_store` (those of
/// `checkpoint_store` included), for an SQL adapter's class.
#define MINK_SQL_CHECKPOINT_STORE_OVERRIDES                                    \
  MINK_CHECKPOINT_STORE_OVERRIDES                                              \
  caf::error do_transact(const std::string& name, int64_t expected,            \
                         const work_fn& work) override;                        \
  caf::error do_run(const std::function<caf::error(soci::session&)>& work)     \
    override;                                                                  \
  void do_park_in(soci::session& session, const std::string& name,             \
                  const recorded_event& ev, const std::string& error)          \
    override;                                                                  \
  void do_remove_dead_letter_in(soci::session& session,                        \
                                const std::string& name, int64_t position)     \
    override;
