#include "mink/adapters/sqlite/sqlite_event_store.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <limits>
#include <mutex>
#include <string_view>
#include <unordered_map>
#include <utility>

#include <caf/message.hpp>
#include <soci/soci.h>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sql/inline_projections.hpp"
#include "mink/adapters/sql/projection_target.hpp"
#include "mink/adapters/sqlite/sqlite_import.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "mink/adapters/sqlite/detail/sqlite_open.hpp"
#include "mink/adapters/sqlite/sqlite_statement.hpp"

namespace mink {

namespace {

using detail::sqlite_reset_guard;
using detail::sqlite_statement;

/// The columns that `impl::collect` decodes, in its order.
constexpr std::string_view select_events
  = "SELECT position, stream_id, version, event_id, type, schema_version,"
    " data, metadata, created_at_us FROM mink_events ";

/// Bounds the cache of `read_all` statements with filters (one per shape:
/// with or without category, number of types).
constexpr size_t max_cached_filters = 32;


int64_t to_sql_limit(size_t n) {
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(n, max));
}

/// Steps a single-value query and returns its integer; 0 without a row.
int64_t query_int64(sqlite_statement& stmt) {
  sqlite_reset_guard guard{stmt};
  return stmt.next() ? stmt.int64_column(0) : 0;
}

} // namespace

// -- impl ---------------------------------------------------------------------

struct sqlite_event_store::impl : detail::sqlite_connection {
  using sqlite_connection::sqlite_connection;

  sqlite_statement begin_immediate;
  sqlite_statement commit;
  sqlite_statement savepoint;
  sqlite_statement release;
  sqlite_statement rollback_to_savepoint;
  sqlite_statement delete_from_position;
  sqlite_statement last_position;
  sqlite_statement stream_version;
  sqlite_statement insert;
  sqlite_statement read_forward;
  sqlite_statement read_backward;
  sqlite_statement read_all;
  sqlite_statement command_exists;
  sqlite_statement insert_command;
  sqlite_statement find_command;
  sqlite_statement purge_commands;
  /// Run inside each stream's savepoint of an append.
  inline_projections inline_ps;
  /// See `sqlite_config::inline_deadline`.
  std::chrono::milliseconds inline_deadline{500};
  /// `read_all` statements with filters, by SQL text.
  std::unordered_map<std::string, sqlite_statement> filtered_reads;

  void prepare() {
    auto make = [this](std::string_view text) { return statement(text); };
    begin_immediate = make("BEGIN IMMEDIATE");
    commit = make("COMMIT");
    savepoint = make("SAVEPOINT mink_stream");
    release = make("RELEASE mink_stream");
    rollback_to_savepoint = make("ROLLBACK TO mink_stream");
    delete_from_position = make("DELETE FROM mink_events WHERE position >= ?");
    last_position = make("SELECT COALESCE(MAX(position), 0) FROM mink_events");
    stream_version = make("SELECT COALESCE(MAX(version), 0) FROM mink_events"
                          " WHERE stream_id = ?");
    insert = make("INSERT INTO mink_events (position, stream_id, version,"
                  " category, event_id, type, schema_version, data, metadata,"
                  " created_at_us) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    std::string sql{select_events};
    read_forward = make(sql + "WHERE stream_id = ? AND version >= ?"
                              " ORDER BY version LIMIT ?");
    read_backward = make(sql + "WHERE stream_id = ? AND version <= ?"
                               " ORDER BY version DESC LIMIT ?");
    read_all = make(sql + "WHERE position >= ? ORDER BY position LIMIT ?");
    command_exists = make("SELECT 1 FROM mink_commands WHERE command_id = ?");
    insert_command = make("INSERT INTO mink_commands (command_id, stream_id,"
                          " version, first_position, last_position,"
                          " created_at_us) VALUES (?, ?, ?, ?, ?, ?)");
    find_command = make("SELECT command_id, stream_id, version,"
                        " first_position, last_position, created_at_us"
                        " FROM mink_commands WHERE command_id = ?");
    purge_commands = make("DELETE FROM mink_commands WHERE created_at_us < ?");
  }

  /// Ends an open transaction after a failure; keeps the connection usable.
  void rollback_if_open() noexcept {
    if (db != nullptr && sqlite_api::sqlite3_get_autocommit(db) == 0)
      sqlite_api::sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  int64_t current_version(const std::string& stream_id) {
    sqlite_reset_guard guard{stream_version};
    stream_version.bind(1, stream_id);
    return query_int64(stream_version);
  }

  /// Returns whether the store recorded the command `command_id`.
  bool has_command(const std::string& command_id) {
    sqlite_reset_guard guard{command_exists};
    command_exists.bind(1, command_id);
    return command_exists.next();
  }

  /// Records the command of `x`, which yielded `res`. Returns
  /// `duplicate_command` when its id is already recorded; throws on other
  /// failures.
  caf::error record_command(const prepared_append& x, const append_result& res,
                            int64_t timestamp) {
    sqlite_reset_guard guard{insert_command};
    insert_command.bind(1, x.command_id);
    insert_command.bind(2, x.stream_id);
    insert_command.bind(3, res.version);
    insert_command.bind(4, res.positions.empty() ? int64_t{0}
                                                 : res.positions.front());
    insert_command.bind(5, res.positions.empty() ? int64_t{0}
                                                 : res.positions.back());
    insert_command.bind(6, timestamp);
    if (insert_command.step() == SQLITE_DONE)
      return {};
    auto code = sqlite_api::sqlite3_extended_errcode(db);
    std::string msg = sqlite_api::sqlite3_errmsg(db);
    if (code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE)
      return duplicate_command_error(x);
    throw soci::sqlite3_soci_error("cannot record command " + x.command_id
                                     + ": " + msg,
                                   code);
  }

  /// Inserts the events of `x` after `version`, from global position
  /// `position` on. Returns `duplicate_event_id` when an id is already
  /// stored; throws on other failures.
  caf::error insert_events(const prepared_append& x, int64_t version,
                           int64_t position, int64_t timestamp,
                           append_result& res) {
    res.positions.reserve(x.events.size());
    for (const auto& ev : x.events) {
      sqlite_reset_guard guard{insert};
      ++version;
      insert.bind(1, position);
      insert.bind(2, x.stream_id);
      insert.bind(3, version);
      insert.bind(4, x.category);
      insert.bind(5, ev.event_id);
      insert.bind(6, ev.type);
      insert.bind(7, static_cast<int64_t>(ev.schema_version));
      insert.bind(8, ev.data);
      insert.bind(9, ev.metadata_json);
      insert.bind(10, timestamp);
      if (insert.step() != SQLITE_DONE) {
        auto code = sqlite_api::sqlite3_extended_errcode(db);
        std::string msg = sqlite_api::sqlite3_errmsg(db);
        if (code == SQLITE_CONSTRAINT_UNIQUE
            && msg.find("mink_events.event_id") != std::string::npos)
          return duplicate_event_id_error(ev.event_id);
        throw soci::sqlite3_soci_error("cannot insert into " + x.stream_id
                                         + ": " + msg,
                                       code);
      }
      res.positions.push_back(position++);
    }
    res.version = version;
    return {};
  }

  /// Deletes the events this transaction wrote from `position` on: undoes a
  /// stream that failed after some of its rows went in (nothing else of the
  /// transaction has a position that high, and a command record is written
  /// only after its events). Throws on failure.
  void undo_events_from(int64_t position) {
    sqlite_reset_guard guard{delete_from_position};
    delete_from_position.bind(1, position);
    delete_from_position.run();
  }

  /// Thrown when a stream's failure ended the whole transaction.
  struct batch_aborted {
    size_t i;
    caf::error err;
  };

  /// Runs the inline projections on one stream's events with the inline
  /// deadline: a progress handler interrupts their SQL when it passes, and
  /// taking longer (in C++ too) fails them.
  caf::error run_inline_within(const inline_projections::list& ps,
                               const std::vector<recorded_event>& events) {
    using clock = std::chrono::steady_clock;
    auto start = clock::now();
    auto until = start + inline_deadline;
    sqlite_api::sqlite3_progress_handler(
      db, 1000,
      [](void* arg) -> int {
        return clock::now() > *static_cast<clock::time_point*>(arg) ? 1 : 0;
      },
      &until);
    auto err = apply_inline(sql, ps, events);
    sqlite_api::sqlite3_progress_handler(db, 0, nullptr, nullptr);
    if (clock::now() - start > inline_deadline)
      return make_error(errc::projection_failed,
                        "inline projections took longer than their deadline"
                        " of "
                          + std::to_string(inline_deadline.count()) + " ms"
                          + (err ? " (" + to_text(err) + ")" : ""));
    return err;
  }

  /// Runs one batch in one transaction. Writes rejections into `out` at
  /// once and successes after the commit; marks each written slot in
  /// `decided`. Throws when the batch as a whole fails.
  void append_batch(std::vector<prepared_append>& prepared,
                    append_results& out, std::vector<char>& decided) {
    // Takes the write lock: no other connection commits until we do, so
    // MAX(position) + 1 is the next position and positions are dense.
    begin_immediate.run();
    auto next_position = query_int64(last_position) + 1;
    auto timestamp = now_us();
    // Versions of streams written earlier in this batch (a stream may occur
    // more than once); others are read inside the transaction.
    std::unordered_map<std::string, int64_t> versions;
    std::vector<std::pair<size_t, append_result>> staged;
    staged.reserve(prepared.size());
    auto inline_list = inline_ps.get();
    for (size_t i = 0; i < prepared.size(); ++i) {
      if (decided[i] != 0) // by an earlier try of this batch
        continue;
      const auto& x = prepared[i];
      // Under the write lock: a recorded command id is final. Checked first,
      // so that a retried command never reports a version conflict. An
      // earlier stream of this batch that committed the id recorded it.
      if (!x.command_id.empty() && has_command(x.command_id)) {
        out[x.index] = duplicate_command_error(x);
        decided[i] = 1;
        continue;
      }
      auto known = versions.find(x.stream_id);
      auto current = known != versions.end() ? known->second
                                             : current_version(x.stream_id);
      if (auto err = check_expected_version(x, current)) {
        out[x.index] = std::move(err);
        decided[i] = 1;
        continue;
      }
      append_result res;
      res.version = current;
      res.timestamp_us = timestamp;
      if (x.events.empty()) {
        // One statement: a failure undoes nothing else.
        if (!x.command_id.empty())
          if (auto err = record_command(x, res, timestamp)) {
            out[x.index] = std::move(err);
            decided[i] = 1;
            continue;
          }
        staged.emplace_back(i, std::move(res));
        continue;
      }
      // Without inline projections a stream writes only its events and its
      // command record, and undoing it needs no savepoint (which copies
      // every page the stream touches into SQLite's statement journal).
      auto guarded = !inline_list->empty();
      if (guarded)
        savepoint.run();
      auto err = insert_events(x, current, next_position, timestamp, res);
      if (!err && !x.command_id.empty())
        err = record_command(x, res, timestamp);
      if (!err && guarded) {
        // Same connection, same transaction: the read model commits or
        // rolls back with this stream's events.
        err = run_inline_within(*inline_list,
                                to_recorded(x, current + 1, next_position,
                                            timestamp));
      }
      if (err && sqlite_api::sqlite3_get_autocommit(db) != 0)
        // An interrupted write (the inline deadline) made SQLite roll the
        // whole transaction back: the batch is tried again without it.
        throw batch_aborted{i, std::move(err)};
      if (err) {
        // Undo this stream only; its positions are not consumed.
        if (guarded) {
          rollback_to_savepoint.run();
          release.run();
        } else {
          undo_events_from(next_position);
        }
        out[x.index] = std::move(err);
        decided[i] = 1;
        continue;
      }
      if (guarded)
        release.run();
      next_position += static_cast<int64_t>(x.events.size());
      versions[x.stream_id] = res.version;
      staged.emplace_back(i, std::move(res));
    }
    commit.run();
    for (auto& [i, res] : staged) {
      out[prepared[i].index] = std::move(res);
      decided[i] = 1;
    }
  }

  /// Returns the cached statement for the shape of `filter`.
  sqlite_statement& filtered_read(const read_filter& filter) {
    std::string sql{select_events};
    sql += "WHERE position >= ?";
    if (!filter.category.empty())
      sql += " AND category = ?";
    if (!filter.event_types.empty()) {
      sql += " AND type IN (?";
      for (size_t i = 1; i < filter.event_types.size(); ++i)
        sql += ", ?";
      sql += ')';
    }
    sql += " ORDER BY position LIMIT ?";
    if (auto i = filtered_reads.find(sql); i != filtered_reads.end())
      return i->second;
    if (filtered_reads.size() >= max_cached_filters)
      filtered_reads.clear();
    sqlite_statement stmt{db, sql};
    return filtered_reads.emplace(std::move(sql), std::move(stmt))
      .first->second;
  }

  /// Decodes the rows of a statement over `select_events`. The caller holds
  /// a reset guard on `stmt`.
  caf::expected<std::vector<recorded_event>>
  collect(sqlite_statement& stmt, size_t limit) {
    std::vector<recorded_event> result;
    result.reserve(std::min(limit, size_t{1024}));
    while (stmt.next()) {
      recorded_event ev;
      ev.global_position = stmt.int64_column(0);
      ev.stream_id = stmt.text_column(1);
      ev.stream_version = stmt.int64_column(2);
      ev.event_id = stmt.text_column(3);
      ev.type = stmt.text_column(4);
      ev.schema_version = static_cast<int32_t>(stmt.int64_column(5));
      ev.data = stmt.text_column(6);
      auto meta = metadata_from_json(stmt.text_column(7));
      if (!meta)
        return make_error(errc::decode_failed,
                          context("event at position "
                                  + std::to_string(ev.global_position)
                                  + ": " + message_of(meta.error())));
      ev.meta = std::move(*meta);
      ev.timestamp_us = stmt.int64_column(8);
      result.emplace_back(std::move(ev));
    }
    return result;
  }
};

// -- sqlite_event_store -------------------------------------------------------

caf::expected<std::unique_ptr<sqlite_event_store>>
sqlite_event_store::open(const sqlite_config& cfg) {
  if (cfg.inline_deadline.count() <= 0)
    return make_error(errc::invalid_argument,
                      "inline_deadline must be positive");
  auto init = [&](impl& x) {
    x.inline_deadline = cfg.inline_deadline;
    // 16 MiB of page cache instead of 2: appends touch random pages of the
    // event id index; with the default cache they are read back from the OS
    // (measured: ~10% less CPU per appended event).
    x.sql << "PRAGMA cache_size=-16384";
    x.prepare();
  };
  auto make = [](std::unique_ptr<impl> st) {
    return new sqlite_event_store(std::move(st));
  };
  return detail::open_sqlite_store<impl>(cfg, init, make);
}

sqlite_event_store::sqlite_event_store(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
  // nop
}

sqlite_event_store::~sqlite_event_store() = default;

const std::string& sqlite_event_store::path() const noexcept {
  return impl_->path;
}

void sqlite_event_store::do_append(std::vector<prepared_append>& prepared,
                                   append_results& out) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  std::vector<char> decided(prepared.size(), 0);
  // Each try that ends in `batch_aborted` decides one more stream.
  for (;;) {
    try {
      impl_->append_batch(prepared, out, decided);
      return;
    } catch (impl::batch_aborted& aborted) {
      impl_->rollback_if_open();
      out[prepared[aborted.i].index] = std::move(aborted.err);
      decided[aborted.i] = 1;
    } catch (...) {
      // The batch did not commit: every stream that was not rejected on its
      // own gets the error.
      auto err = detail::current_exception_error(impl_->context("append"));
      impl_->rollback_if_open();
      for (size_t i = 0; i < prepared.size(); ++i)
        if (decided[i] == 0)
          out[prepared[i].index] = err;
      return;
    }
  }
}

caf::error
sqlite_event_store::do_add_inline(std::shared_ptr<sql_projection> p) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  auto name = p->name();
  caf::error err;
  try {
    impl_->sql.begin();
    err = call_handler(name, [&] { return p->setup(impl_->sql); });
    if (err)
      impl_->sql.rollback();
    else
      impl_->sql.commit();
  } catch (...) {
    impl_->rollback_if_open();
    return detail::current_exception_error(
      impl_->context("setting up inline projection " + name));
  }
  if (err)
    return err;
  impl_->inline_ps.add(std::move(p));
  return {};
}

caf::expected<std::vector<recorded_event>>
sqlite_event_store::do_read_stream(const std::string& stream_id,
                                   int64_t from_version, size_t limit,
                                   read_direction dir) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto& stmt = dir == read_direction::forward ? impl_->read_forward
                                                : impl_->read_backward;
    sqlite_reset_guard reset{stmt};
    stmt.bind(1, stream_id);
    stmt.bind(2, from_version);
    stmt.bind(3, to_sql_limit(limit));
    return impl_->collect(stmt, limit);
  } catch (...) {
    return detail::current_exception_error(
      impl_->context("read_stream " + stream_id));
  }
}

caf::expected<std::vector<recorded_event>>
sqlite_event_store::do_read_all(int64_t from_position, size_t limit,
                                const read_filter& filter) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto unfiltered = filter.category.empty() && filter.event_types.empty();
    auto& stmt = unfiltered ? impl_->read_all : impl_->filtered_read(filter);
    sqlite_reset_guard reset{stmt};
    int index = 1;
    stmt.bind(index++, from_position);
    if (!filter.category.empty())
      stmt.bind(index++, filter.category);
    for (const auto& type : filter.event_types)
      stmt.bind(index++, type);
    stmt.bind(index, to_sql_limit(limit));
    return impl_->collect(stmt, limit);
  } catch (...) {
    return detail::current_exception_error(impl_->context("read_all"));
  }
}

caf::expected<mink::stream_info>
sqlite_event_store::do_stream_info(const std::string& stream_id) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto version = impl_->current_version(stream_id);
    return mink::stream_info{version > 0, version};
  } catch (...) {
    return detail::current_exception_error(
      impl_->context("stream_info " + stream_id));
  }
}

caf::expected<int64_t> sqlite_event_store::do_last_position() {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    return query_int64(impl_->last_position);
  } catch (...) {
    return detail::current_exception_error(impl_->context("last_position"));
  }
}

caf::expected<mink::storage_usage> sqlite_event_store::do_storage_usage() {
  auto x = event_store::do_storage_usage(); // the events
  const auto& path = impl_->path;
  if (!x || path.empty() || path == ":memory:")
    return x; // an error, or nothing on disk
  std::error_code ec;
  auto file = std::filesystem::file_size(path, ec);
  if (ec)
    return make_error(errc::storage_failure,
                      "storage_usage: the size of " + path + ": "
                        + ec.message());
  // No WAL file after a clean close: it takes nothing.
  auto wal = std::filesystem::file_size(path + "-wal", ec);
  x->parts.push_back({"file", static_cast<int64_t>(file)});
  x->parts.push_back({"wal", ec ? 0 : static_cast<int64_t>(wal)});
  return x;
}

caf::expected<std::optional<command_record>>
sqlite_event_store::do_find_command(const std::string& command_id) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto& stmt = impl_->find_command;
    sqlite_reset_guard reset{stmt};
    stmt.bind(1, command_id);
    if (!stmt.next())
      return std::optional<command_record>{};
    command_record rec;
    rec.command_id = stmt.text_column(0);
    rec.stream_id = stmt.text_column(1);
    rec.version = stmt.int64_column(2);
    rec.first_position = stmt.int64_column(3);
    rec.last_position = stmt.int64_column(4);
    rec.timestamp_us = stmt.int64_column(5);
    return std::optional<command_record>{std::move(rec)};
  } catch (...) {
    return detail::current_exception_error(
      impl_->context("find_command " + command_id));
  }
}

caf::expected<size_t>
sqlite_event_store::do_purge_commands(int64_t older_than_us) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto& stmt = impl_->purge_commands;
    sqlite_reset_guard reset{stmt};
    stmt.bind(1, older_than_us);
    stmt.run();
    return static_cast<size_t>(sqlite_api::sqlite3_changes64(impl_->db));
  } catch (...) {
    return detail::current_exception_error(impl_->context("purge_commands"));
  }
}

caf::expected<std::vector<stream_summary>>
sqlite_event_store::do_list_streams(const std::string& after_stream_id,
                                    size_t limit, const std::string& category) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    return detail::sqlite_list_streams(impl_->db, after_stream_id, limit,
                                       category);
  } catch (...) {
    return detail::current_exception_error(impl_->context("list_streams"));
  }
}

caf::error
sqlite_event_store::do_import(const std::vector<import_event>& events) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  if (!impl_->inline_ps.get()->empty())
    return make_error(errc::invalid_argument,
                      "this store runs inline projections, which imports "
                      "would bypass: import into a store without them");
  try {
    return detail::sqlite_import(impl_->db, events);
  } catch (...) {
    impl_->rollback_if_open();
    return detail::current_exception_error(impl_->context("import"));
  }
}

} // namespace mink
