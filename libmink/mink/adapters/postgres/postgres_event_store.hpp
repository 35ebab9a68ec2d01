#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include <libpq-fe.h>

#include "mink/adapters/sql/inline_projections.hpp"
#include "mink/store/event_store.hpp"
#include "mink/adapters/postgres/postgres_config.hpp"

namespace mink {

namespace pg {
class pool;
} // namespace pg

/// The PostgreSQL adapter of the event store.
///
/// An append call is one transaction: it takes the position counter row
/// (which orders all writers), reads the streams' versions, writes every
/// accepted event with one COPY, and commits. Positions are therefore
/// dense and in commit order. A stream whose expected version fails, or
/// whose event id or command id is already stored, is left out alone.
/// Calls that carry command ids also COPY their records in the same
/// transaction; repeated ids are found by the primary key, and the call is
/// then redone with a lookup first.
class postgres_event_store : public event_store {
public:
  /// Connects, validates the schema name, and migrates the schema up.
  [[nodiscard]] static caf::expected<std::unique_ptr<postgres_event_store>>
  open(const postgres_config& cfg);

  ~postgres_event_store() override;

  /// The schema this store lives in.
  const std::string& schema() const noexcept { return schema_; }

  /// The connection pool, for other adapters that share it.
  pg::pool& connections() noexcept { return *pool_; }

protected:
  MINK_EVENT_STORE_OVERRIDES

  /// One prepared statement for all reads (`stream_id = r.id` per row of
  /// `unnest` of the ids and from-versions, with a lateral `LIMIT`).
  void do_read_streams(const std::vector<stream_read>& reads, size_t limit,
                       stream_reads& out) override;

  caf::error do_add_inline(std::shared_ptr<sql_projection> p) override;

  /// LISTENs on the schema's channel (`pg::commit_listener`).
  std::unique_ptr<commit_watch>
  do_watch_commits(commit_callback on_commit) override;

  /// Checks fences against the `cluster_slices` leases (pg_lease_store).
  bool takes_fences() const noexcept override;

  /// The last position and the size of every table of the schema, by part
  /// (postgres_storage.cpp).
  caf::expected<mink::storage_usage> do_storage_usage() override;


private:
  postgres_event_store(const postgres_config& cfg,
                       std::unique_ptr<pg::pool> pool);

  /// Builds the SQL statements once, with the schema name in place.
  void prepare_sql();

  enum class attempt_outcome { done, recheck };

  /// One append transaction. The fast path lets unique indexes find repeated
  /// event and command ids; when they do it rolls back and answers
  /// `recheck`. (Streams carrying a command id that fail their expected
  /// version have just their ids looked up, to report a retried command as
  /// `duplicate_command`.) The slow path, with `check_ids`, looks stored
  /// event and command ids up first.
  attempt_outcome append_once(PGconn* conn, soci::session& sql,
                              std::vector<prepared_append>& prepared,
                              append_results& out, bool check_ids);

  // The steps of one append transaction, in order (postgres_append.cpp).
  // Each works on the attempt's state; an error rolls the attempt back
  // and fails every stream of it; `append_attempt::recheck` rolls it back
  // for the slow path.

  /// What one attempt knows so far (defined in postgres_append.cpp).
  struct append_attempt;

  /// BEGIN, and the lock on the position counter with room for every
  /// event; while the server takes it, which streams need a version
  /// lookup and which appends carry command ids.
  caf::error reserve_positions(append_attempt& a);

  /// The current epochs of the slices that fenced appends name.
  caf::error read_fences(append_attempt& a);

  /// The current versions of the streams that need one.
  caf::error look_up_versions(append_attempt& a);

  /// Stored event ids (slow path) and recorded command ids.
  caf::error check_command_ids(append_attempt& a);

  /// Accepts or refuses each stream, and numbers the accepted events.
  caf::error decide_streams(append_attempt& a);

  /// Runs the inline projections; a stream they reject is dropped and the
  /// others are numbered anew.
  caf::error run_inline_projections(append_attempt& a);

  /// COPYs the accepted events into the events table.
  caf::error copy_rows(append_attempt& a);

  /// COPYs the command records that no event carries.
  caf::error record_commands(append_attempt& a);

  /// Sets the counter to the last position used, commits and answers.
  void commit(append_attempt& a);

  /// Builds the statements of postgres_commands.cpp.
  void prepare_command_sql();

  /// Remembers the versions of committed streams (see `known_versions_`).
  void remember_versions(const std::vector<std::pair<std::string, int64_t>>& xs);

  /// At most this many streams are remembered; then the memory starts over.
  static constexpr size_t max_known_versions = 100000;

  std::string schema_;
  /// For the connections of commit watches; may hold a password: never
  /// logged.
  std::string conninfo_;
  /// `NOTIFY <channel>, '` (the position and `'; COMMIT` follow).
  std::string sql_notify_;
  std::chrono::milliseconds acquire_timeout_;
  /// See `postgres_config::inline_deadline`.
  std::chrono::milliseconds inline_deadline_;
  /// Versions that streams had when this store committed to them or looked
  /// them up: a lower bound of each stream's version, since versions only
  /// grow. An append whose exact expected version equals it skips the
  /// version lookup: if another writer moved the stream on meanwhile, the
  /// unique (stream_id, version) index refuses the insert and the call is
  /// done again with lookups.
  std::mutex known_versions_mtx_;
  std::unordered_map<std::string, int64_t> known_versions_;
  std::unique_ptr<pg::pool> pool_;
  /// Run in each append transaction (`add_inline`).
  inline_projections inline_;
  std::string sql_reserve_;
  std::string sql_versions_;
  std::string sql_fences_;
  std::string sql_known_ids_;
  std::string sql_copy_;
  std::string sql_set_last_;
  std::string sql_read_forward_;
  std::string sql_read_backward_;
  std::string sql_read_all_;
  std::string sql_read_streams_;
  /// The name `sql_read_streams_` is prepared under on each connection.
  std::string sql_read_streams_name_;
  std::string sql_stream_info_;
  std::string sql_last_position_;
  std::string sql_commands_table_ids_;
  std::string sql_command_homes_;
  std::string sql_copy_commands_;
  std::string sql_mark_command_rows_;
  // Command records outside appends (postgres_commands.cpp).
  std::string sql_find_command_;
  std::string sql_read_purge_mark_;
  std::string sql_lock_purge_mark_;
  std::string sql_purge_mark_at_;
  std::string sql_count_event_records_;
  std::string sql_set_purge_mark_;
  std::string sql_purge_commands_;
  std::string sql_check_command_rows_;
};

} // namespace mink
