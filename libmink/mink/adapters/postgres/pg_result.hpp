#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>
#include <libpq-fe.h>

#include "mink/store/conninfo.hpp"

namespace mink::pg {

/// Owns a PGresult.
class result {
public:
  result() = default;
  explicit result(PGresult* res) : res_(res, PQclear) {}

  PGresult* get() const noexcept { return res_.get(); }
  /// Gives up ownership.
  PGresult* release() noexcept { return res_.release(); }
  int rows() const noexcept { return PQntuples(res_.get()); }
  bool is_null(int row, int col) const noexcept {
    return PQgetisnull(res_.get(), row, col) != 0;
  }
  std::string_view text(int row, int col) const noexcept {
    return {PQgetvalue(res_.get(), row, col),
            static_cast<size_t>(PQgetlength(res_.get(), row, col))};
  }
  std::string str(int row, int col) const { return std::string{text(row, col)}; }
  int64_t int64(int row, int col) const;

private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> res_{nullptr, PQclear};
};

/// Sets every answer of a batch to `err`: a batch whose query failed
/// fails for each of its items.
template <class Answers>
void fail_all(Answers& out, const caf::error& err) {
  for (auto& x : out)
    x = err;
}

/// Maps a failed result (or a broken connection) to a mink error: SQLSTATE
/// class 08 and lost connections are `store_unavailable`, everything else
/// `storage_failure`. The message carries PostgreSQL's text and SQLSTATE;
/// libpq never puts passwords in it.
caf::error to_error(PGconn* conn, const PGresult* res, std::string_view what);

/// Returns the SQLSTATE of a failed result, or an empty string.
std::string sqlstate(const PGresult* res);

/// Returns the row count of an INSERT, UPDATE or DELETE (0 for others).
int64_t affected_rows(const result& res);

/// Runs a statement without parameters (may hold several statements).
[[nodiscard]] caf::expected<result> exec(PGconn* conn,
                                         const std::string& sql);

/// Runs one parameterised statement; parameters are sent as text.
[[nodiscard]] caf::expected<result>
exec(PGconn* conn, const std::string& sql,
     const std::vector<std::string>& params);

/// Runs one parameterised statement as the server-side prepared statement
/// `name` (parameters as text): parsed once per connection, then only
/// executed. Prepares it on first use on a server session (this process
/// remembers what each connection prepared, and starts over when a
/// reconnect gives the connection a new server process), and again should
/// the server not know it. `name` must stand for `sql` alone on every
/// connection it runs on.
[[nodiscard]] caf::expected<result>
exec_prepared(PGconn* conn, const std::string& name, const std::string& sql,
              const std::vector<std::string>& params);

/// Names a prepared statement of a schema's store: `prefix` and the schema,
/// or (when that is longer than PostgreSQL's 63-byte names) `prefix` and a
/// hash of the schema.
std::string statement_name(std::string_view prefix, std::string_view schema);

/// Renders integers as a PostgreSQL array literal for a `$n::bigint[]`
/// parameter.
std::string int64_array(const std::vector<int64_t>& xs);

/// Sends a statement without parameters (may hold several) and returns at
/// once, so that the caller can work while the server runs it; `receive`
/// then waits for it. Fails when libpq cannot send it.
[[nodiscard]] caf::error send(PGconn* conn, const std::string& sql);

/// Waits for what `send` sent and returns what `exec` would: the last
/// statement's result, or the first failure.
[[nodiscard]] caf::expected<result> receive(PGconn* conn,
                                            const std::string& sql);

/// Like `exec` with parameters, but returns the result whatever its status,
/// for callers that look at a failure's SQLSTATE and constraint.
[[nodiscard]] result exec_raw(PGconn* conn, const std::string& sql,
                              const std::vector<std::string>& params);

/// Renders strings as a PostgreSQL text-array literal for a `$n::text[]`
/// parameter, quoting every element.
std::string text_array(const std::vector<std::string>& xs);

/// Appends `x` to a COPY text-format row, escaping what COPY treats
/// specially (backslash, tab, newline, carriage return).
void put_copy_field(std::string& buf, std::string_view x);

/// Formats microseconds since the epoch (0 to the year 9999) as a
/// timestamptz literal in UTC with all six fractional digits, which
/// PostgreSQL stores exactly.
std::string timestamptz_literal(int64_t us);

/// Double-quotes an identifier for SQL (after it was validated).
std::string quote_ident(std::string_view id);

} // namespace mink::pg
