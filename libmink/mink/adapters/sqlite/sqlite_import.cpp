#include "mink/adapters/sqlite/sqlite_import.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_statement.hpp"

namespace mink::detail {

namespace {

/// Rolls an open transaction back unless dismissed.
class rollback_guard {
public:
  explicit rollback_guard(sqlite_api::sqlite3* db) : db_(db) {
    // nop
  }

  ~rollback_guard() {
    if (db_ != nullptr && sqlite_api::sqlite3_get_autocommit(db_) == 0)
      sqlite_api::sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  void dismiss() noexcept { db_ = nullptr; }

private:
  sqlite_api::sqlite3* db_;
};

} // namespace

std::vector<stream_summary> sqlite_list_streams(sqlite_api::sqlite3* db,
                                                const std::string& after,
                                                size_t limit,
                                                const std::string& category) {
  // SQLite's default collation (BINARY) orders by bytes; the unique
  // (stream_id, version) index serves the GROUP BY.
  sqlite_statement stmt{db, "SELECT stream_id, MAX(version), MAX(position)"
                            " FROM mink_events WHERE stream_id > ?"
                            " AND (? = '' OR category = ?)"
                            " GROUP BY stream_id ORDER BY stream_id LIMIT ?"};
  constexpr auto max = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  stmt.bind(1, after);
  stmt.bind(2, category);
  stmt.bind(3, category);
  stmt.bind(4, static_cast<int64_t>(std::min(limit, max)));
  std::vector<stream_summary> result;
  while (stmt.next())
    result.push_back(stream_summary{stmt.text_column(0), stmt.int64_column(1),
                                    stmt.int64_column(2)});
  return result;
}

caf::error sqlite_import(sqlite_api::sqlite3* db,
                         const std::vector<import_event>& events) {
  sqlite_statement begin{db, "BEGIN IMMEDIATE"};
  sqlite_statement last{db, "SELECT COALESCE(MAX(position), 0) FROM mink_events"};
  sqlite_statement version{db, "SELECT COALESCE(MAX(version), 0)"
                               " FROM mink_events WHERE stream_id = ?"};
  sqlite_statement insert{db, "INSERT INTO mink_events (position, stream_id,"
                              " version, category, event_id, type,"
                              " schema_version, data, metadata, created_at_us)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"};
  sqlite_statement commit{db, "COMMIT"};
  // The write lock: nobody else appends until we commit or roll back.
  begin.run();
  rollback_guard guard{db};
  int64_t stored = 0;
  {
    sqlite_reset_guard reset{last};
    stored = last.next() ? last.int64_column(0) : 0;
  }
  if (auto err = check_import_start(events.front().position, stored))
    return err;
  std::unordered_map<std::string, int64_t> firsts;
  for (const auto& x : events)
    firsts.emplace(x.stream_id, x.version);
  for (const auto& [id, first] : firsts) {
    sqlite_reset_guard reset{version};
    version.bind(1, id);
    auto current = version.next() ? version.int64_column(0) : 0;
    if (auto err = check_import_continues(id, current, first))
      return err;
  }
  for (const auto& x : events) {
    sqlite_reset_guard reset{insert};
    insert.bind(1, x.position);
    insert.bind(2, x.stream_id);
    insert.bind(3, x.version);
    insert.bind(4, x.category);
    insert.bind(5, x.ev.event_id);
    insert.bind(6, x.ev.type);
    insert.bind(7, static_cast<int64_t>(x.ev.schema_version));
    insert.bind(8, x.ev.data);
    insert.bind(9, x.ev.metadata_json);
    insert.bind(10, x.timestamp_us);
    if (insert.step() != SQLITE_DONE) {
      auto code = sqlite_api::sqlite3_extended_errcode(db);
      std::string msg = sqlite_api::sqlite3_errmsg(db);
      if (code == SQLITE_CONSTRAINT_UNIQUE
          && msg.find("mink_events.event_id") != std::string::npos)
        return duplicate_event_id_error(x.ev.event_id);
      throw_sqlite_error(db, "import of the event at position "
                               + std::to_string(x.position));
    }
  }
  commit.run();
  guard.dismiss();
  return {};
}

} // namespace mink::detail
