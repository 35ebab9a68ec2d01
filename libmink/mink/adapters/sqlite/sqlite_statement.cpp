#include "mink/adapters/sqlite/sqlite_statement.hpp"

#include <exception>
#include <filesystem>
#include <limits>
#include <utility>

#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_migrations.hpp"

namespace mink::detail {

namespace sa = sqlite_api;

caf::error sqlite_error(int code, std::string what) {
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
      return make_error(errc::store_unavailable, std::move(what));
    default:
      return make_error(errc::storage_failure, std::move(what));
  }
}

caf::error current_exception_error(const std::string& context) {
  try {
    throw;
  } catch (const soci::sqlite3_soci_error& e) {
    return sqlite_error(e.result(), context + ": " + e.what());
  } catch (const std::exception& e) {
    return make_error(errc::storage_failure, context + ": " + e.what());
  } catch (...) {
    return make_error(errc::storage_failure, context + ": unknown exception");
  }
}

void throw_sqlite_error(sa::sqlite3* db, std::string_view context) {
  std::string what{context};
  what += ": ";
  what += db != nullptr ? sa::sqlite3_errmsg(db) : "no connection";
  throw soci::sqlite3_soci_error(what, db != nullptr
                                         ? sa::sqlite3_extended_errcode(db)
                                         : SQLITE_MISUSE);
}

std::string sqlite_connect_string(const std::string& path,
                                  std::chrono::milliseconds busy_timeout) {
  // SOCI splits the connect string at spaces; it accepts a double-quoted
  // value that contains spaces. Its timeout is in whole seconds; the adapter
  // sets the exact busy timeout on the raw connection afterwards.
  auto seconds = (busy_timeout.count() + 999) / 1000;
  std::string result = "db=";
  if (path.find(' ') != std::string::npos)
    result += '"' + path + '"';
  else
    result += path;
  result += " timeout=" + std::to_string(seconds);
  return result;
}

sa::sqlite3* raw_connection(soci::session& sql) {
  return static_cast<soci::sqlite3_session_backend*>(sql.get_backend())->conn_;
}

void open_sqlite_session(soci::session& sql, const std::string& path,
                         std::chrono::milliseconds busy_timeout) {
  sql.open(soci::sqlite3, sqlite_connect_string(path, busy_timeout));
  auto ms = busy_timeout.count();
  if (ms > std::numeric_limits<int>::max())
    ms = std::numeric_limits<int>::max();
  sa::sqlite3_busy_timeout(raw_connection(sql), static_cast<int>(ms));
}

sqlite_statement::sqlite_statement(sa::sqlite3* db, std::string_view sql)
  : db_(db) {
  auto rc = sa::sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                   SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) {
    sa::sqlite3_finalize(stmt_);
    stmt_ = nullptr;
    throw_sqlite_error(db, "cannot prepare \"" + std::string{sql} + '"');
  }
}

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
  : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)) {
  // nop
}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
  if (this != &other) {
    sa::sqlite3_finalize(stmt_);
    db_ = other.db_;
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

sqlite_statement::~sqlite_statement() {
  // Finalizing NULL is a no-op.
  sa::sqlite3_finalize(stmt_);
}

void sqlite_statement::bind(int index, int64_t value) {
  if (sa::sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    throw_sqlite_error(db_, "cannot bind parameter " + std::to_string(index));
}

void sqlite_statement::bind(int index, std::string_view value) {
  // SQLITE_STATIC: SQLite reads the text in place, during sqlite3_step.
  if (sa::sqlite3_bind_text64(stmt_, index, value.data(), value.size(),
                              SQLITE_STATIC, SQLITE_UTF8)
      != SQLITE_OK)
    throw_sqlite_error(db_, "cannot bind parameter " + std::to_string(index));
}

int sqlite_statement::step() noexcept {
  return sa::sqlite3_step(stmt_);
}

bool sqlite_statement::next() {
  switch (step()) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      throw_sqlite_error(db_, std::string{"cannot run \""}
                                + sa::sqlite3_sql(stmt_) + '"');
  }
}

void sqlite_statement::run() {
  sqlite_reset_guard guard{*this};
  while (next()) {
    // Ignore rows (e.g. of a PRAGMA).
  }
}

void sqlite_statement::reset() noexcept {
  if (stmt_ == nullptr)
    return;
  sa::sqlite3_reset(stmt_);
  sa::sqlite3_clear_bindings(stmt_);
}

int64_t sqlite_statement::int64_column(int col) const noexcept {
  return sa::sqlite3_column_int64(stmt_, col);
}

std::string sqlite_statement::text_column(int col) const {
  auto text = sa::sqlite3_column_text(stmt_, col);
  auto size = sa::sqlite3_column_bytes(stmt_, col);
  if (text == nullptr)
    return {};
  return std::string{reinterpret_cast<const char*>(text),
                     static_cast<size_t>(size)};
}

caf::error prepare_sqlite_path(const std::string& path) {
  if (path.empty())
    return make_error(errc::invalid_argument, "sqlite database path is empty");
  auto where = "sqlite database " + path;
  namespace fs = std::filesystem;
  std::error_code ec;
  auto parent = fs::path{path}.parent_path();
  if (!parent.empty() && !fs::is_directory(parent, ec)) {
    fs::create_directories(parent, ec);
    if (ec)
      return make_error(errc::store_unavailable,
                        where + ": cannot create directory " + parent.string()
                          + ": " + ec.message());
  }
  if (fs::is_directory(path, ec))
    return make_error(errc::store_unavailable,
                      where + ": cannot open a directory as a database");
  return {};
}

void configure_sqlite_file(soci::session& sql, bool synchronous_full) {
  // WAL: readers do not block the writer and one fsync per commit. Stays
  // set in the file. Other modes (e.g. for ":memory:") still work.
  std::string journal_mode;
  sql << "PRAGMA journal_mode=WAL", soci::into(journal_mode);
  sql << (synchronous_full ? "PRAGMA synchronous=FULL"
                           : "PRAGMA synchronous=NORMAL");
  apply_sqlite_migrations(sql);
}

} // namespace mink::detail
