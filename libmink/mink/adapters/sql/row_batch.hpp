#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <variant>
#include <vector>

namespace soci {
class session;
class row;
} // namespace soci

namespace mink::sql {

/// One value of a row that `row_batch` writes.
using value = std::variant<long long, std::string>;

/// Rows written with one statement per chunk instead of one per row:
/// `<head> VALUES (:p, ...), (:p, ...) <tail>`, e.g. head
/// `INSERT INTO t (a, b)` and tail `ON CONFLICT (a) DO UPDATE SET ...`.
/// A read model that writes each event's row with a statement of its own
/// spends most of a batch in round trips and parsing on PostgreSQL; this
/// makes it a handful per batch. Works on PostgreSQL and SQLite (3.24+ for
/// upserts). Values are bound as parameters, never spliced into the text.
class row_batch {
public:
  /// `columns` is the number of values per row.
  row_batch(std::string head, size_t columns, std::string tail = {});

  /// Adds a row of `columns` values.
  void add(std::vector<value> row);

  /// Drops the rows added (to fill the batch again).
  void clear() noexcept {
    rows_.clear();
  }

  [[nodiscard]] size_t size() const noexcept {
    return rows_.size();
  }

  /// Runs the statements (none when empty). Throws what SOCI throws, like
  /// `sql << ...` does in a projection's handler.
  void execute(soci::session& sql) const;

  /// Parameters per statement: rows are chunked to stay below SQLite's and
  /// PostgreSQL's limits with room to spare.
  static constexpr size_t max_params = 2000;

private:
  std::string head_;
  size_t columns_;
  std::string tail_;
  std::vector<std::vector<value>> rows_;
};

/// Runs `<head> IN (:p, ...) <tail>` with `keys` in chunks of at most
/// `row_batch::max_params` and calls `on_row` for every row it returns:
/// one round trip per chunk instead of one per key. `leading` binds the
/// parameters that `head` names (e.g. `WHERE saga = :s AND instance`),
/// before the keys.
void select_in(soci::session& sql, const std::string& head,
               const std::vector<std::string>& keys,
               const std::function<void(const soci::row&)>& on_row,
               const std::string& tail = {},
               const std::vector<std::string>& leading = {});

/// Column `i` of `r` as an integer, whichever integer type the backend
/// reported (SQLite and PostgreSQL differ for `bigint`).
[[nodiscard]] long long get_int(const soci::row& r, size_t i);

} // namespace mink::sql
