#include "mink/adapters/sqlite/sqlite_snapshot_store.hpp"

#include <mutex>
#include <string_view>
#include <utility>

#include <soci/soci.h>

#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"
#include "mink/adapters/sqlite/detail/sqlite_open.hpp"
#include "mink/adapters/sqlite/sqlite_statement.hpp"

namespace mink {

namespace {

using detail::sqlite_reset_guard;
using detail::sqlite_statement;

/// The columns that `impl::collect_infos` decodes, in its order.
constexpr std::string_view select_infos
  = "SELECT stream_id, version, state_type, schema_version,"
    " length(CAST(data AS BLOB)), created_at_us FROM mink_snapshots ";

/// Streams of category `?2`: the id is the category itself or starts with
/// `<category>-`. Ids with that prefix are exactly those in the byte range
/// [`<category>-`, `<category>.`) ('.' follows '-'), so the condition is a
/// range on the primary key (the port guarantees the category has no '-').
constexpr std::string_view in_category
  = "stream_id >= ?2 AND stream_id < (?2 || '.')"
    " AND (stream_id = ?2 OR stream_id >= (?2 || '-'))";

} // namespace

// -- impl ---------------------------------------------------------------------

struct sqlite_snapshot_store::impl : detail::sqlite_connection {
  using sqlite_connection::sqlite_connection;

  sqlite_statement save;
  sqlite_statement load;
  sqlite_statement remove;
  sqlite_statement list_all;
  sqlite_statement list_category;
  sqlite_statement purge_all;
  sqlite_statement purge_category;

  void prepare() {
    auto make = [this](std::string_view text) { return statement(text); };
    // Keeps the stored row when its version is the same or higher: the
    // check and the write are one statement, hence atomic.
    save = make("INSERT INTO mink_snapshots (stream_id, version, state_type,"
                " schema_version, data, created_at_us)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (stream_id) DO UPDATE SET"
                " version = excluded.version,"
                " state_type = excluded.state_type,"
                " schema_version = excluded.schema_version,"
                " data = excluded.data,"
                " created_at_us = excluded.created_at_us"
                " WHERE mink_snapshots.version <= excluded.version");
    load = make("SELECT version, state_type, schema_version, data,"
                " created_at_us FROM mink_snapshots WHERE stream_id = ?");
    remove = make("DELETE FROM mink_snapshots WHERE stream_id = ?");
    std::string select{select_infos};
    list_all = make(select
                    + "WHERE stream_id > ?1 ORDER BY stream_id LIMIT ?3");
    list_category = make(select + "WHERE stream_id > ?1 AND "
                         + std::string{in_category}
                         + " ORDER BY stream_id LIMIT ?3");
    purge_all = make("DELETE FROM mink_snapshots");
    purge_category = make("DELETE FROM mink_snapshots WHERE "
                          + std::string{in_category});
  }

  /// Decodes the rows of a statement over `select_infos`. The caller holds
  /// a reset guard on `stmt`.
  std::vector<snapshot_info> collect_infos(sqlite_statement& stmt) {
    std::vector<snapshot_info> result;
    while (stmt.next())
      result.push_back(
        snapshot_info{stmt.text_column(0), stmt.int64_column(1),
                      stmt.text_column(2),
                      static_cast<int32_t>(stmt.int64_column(3)),
                      static_cast<size_t>(stmt.int64_column(4)),
                      stmt.int64_column(5)});
    return result;
  }

  /// Runs a DELETE and returns how many rows it removed.
  size_t run_delete(sqlite_statement& stmt) {
    stmt.run();
    return static_cast<size_t>(sqlite_api::sqlite3_changes64(db));
  }
};

// -- sqlite_snapshot_store ----------------------------------------------------

caf::expected<std::unique_ptr<sqlite_snapshot_store>>
sqlite_snapshot_store::open(const sqlite_config& cfg) {
  return detail::open_sqlite_store<impl>(
    cfg, [](impl& x) { x.prepare(); },
    [](std::unique_ptr<impl> st) {
      return new sqlite_snapshot_store(std::move(st));
    });
}

sqlite_snapshot_store::sqlite_snapshot_store(std::unique_ptr<impl> ptr)
  : impl_(std::move(ptr)) {
  // nop
}

sqlite_snapshot_store::~sqlite_snapshot_store() = default;

const std::string& sqlite_snapshot_store::path() const noexcept {
  return impl_->path;
}

caf::error sqlite_snapshot_store::do_save(snapshot& s) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto& stmt = impl_->save;
    sqlite_reset_guard reset{stmt};
    stmt.bind(1, s.stream_id);
    stmt.bind(2, s.version);
    stmt.bind(3, s.state_type);
    stmt.bind(4, static_cast<int64_t>(s.schema_version));
    stmt.bind(5, s.data);
    stmt.bind(6, now_us());
    while (stmt.next()) {
      // No rows.
    }
    return {};
  } catch (...) {
    return detail::current_exception_error(
      impl_->context("save snapshot of " + s.stream_id));
  }
}

caf::expected<std::optional<snapshot>>
sqlite_snapshot_store::do_load(const std::string& stream_id) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto& stmt = impl_->load;
    sqlite_reset_guard reset{stmt};
    stmt.bind(1, stream_id);
    if (!stmt.next())
      return std::optional<snapshot>{};
    snapshot result;
    result.stream_id = stream_id;
    result.version = stmt.int64_column(0);
    result.state_type = stmt.text_column(1);
    result.schema_version = static_cast<int32_t>(stmt.int64_column(2));
    result.data = stmt.text_column(3);
    result.timestamp_us = stmt.int64_column(4);
    return std::optional<snapshot>{std::move(result)};
  } catch (...) {
    return detail::current_exception_error(
      impl_->context("load snapshot of " + stream_id));
  }
}

caf::error sqlite_snapshot_store::do_remove(const std::string& stream_id) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    sqlite_reset_guard reset{impl_->remove};
    impl_->remove.bind(1, stream_id);
    impl_->remove.run();
    return {};
  } catch (...) {
    return detail::current_exception_error(
      impl_->context("remove snapshot of " + stream_id));
  }
}

caf::expected<std::vector<snapshot_info>>
sqlite_snapshot_store::do_list(const std::string& after_stream_id,
                               size_t limit, const std::string& category) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    auto& stmt = category.empty() ? impl_->list_all : impl_->list_category;
    sqlite_reset_guard reset{stmt};
    stmt.bind(1, after_stream_id);
    if (!category.empty())
      stmt.bind(2, category);
    // The port passes at most INT64_MAX.
    stmt.bind(3, static_cast<int64_t>(limit));
    return impl_->collect_infos(stmt);
  } catch (...) {
    return detail::current_exception_error(impl_->context("list snapshots"));
  }
}

caf::expected<size_t>
sqlite_snapshot_store::do_purge(const std::string& category) {
  std::lock_guard<std::mutex> guard{impl_->mtx};
  try {
    if (category.empty())
      return impl_->run_delete(impl_->purge_all);
    sqlite_reset_guard reset{impl_->purge_category};
    impl_->purge_category.bind(2, category);
    return impl_->run_delete(impl_->purge_category);
  } catch (...) {
    return detail::current_exception_error(impl_->context("purge snapshots"));
  }
}

} // namespace mink
