#include "mink/adapters/sql/row_batch.hpp"

#include <algorithm>
#include <stdexcept>

#include <soci/soci.h>

namespace mink::sql {

namespace {

/// `:p<n>`: each parameter has a name of its own (SQLite binds repeated
/// names to one parameter).
void param(std::string& out, size_t n) {
  out += ":p";
  out += std::to_string(n);
}

/// `(:p0, :p1), (:p2, :p3)` for `rows` rows of `columns` values.
std::string placeholders(size_t rows, size_t columns) {
  std::string out;
  out.reserve(rows * (columns * 7 + 4));
  size_t n = 0;
  for (size_t r = 0; r < rows; ++r) {
    out += r == 0 ? "(" : ", (";
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0)
        out += ", ";
      param(out, n++);
    }
    out += ')';
  }
  return out;
}

void bind(soci::statement& st, const value& v) {
  // SOCI binds by reference and does not write to use elements.
  if (auto i = std::get_if<long long>(&v))
    st.exchange(soci::use(*const_cast<long long*>(i)));
  else
    st.exchange(soci::use(*const_cast<std::string*>(&std::get<std::string>(v))));
}

} // namespace

row_batch::row_batch(std::string head, size_t columns, std::string tail)
  : head_(std::move(head)), columns_(std::max<size_t>(columns, 1)),
    tail_(std::move(tail)) {
  // nop
}

void row_batch::add(std::vector<value> row) {
  if (row.size() != columns_)
    throw std::invalid_argument("row_batch: a row of "
                                + std::to_string(row.size())
                                + " values for " + std::to_string(columns_)
                                + " columns");
  rows_.push_back(std::move(row));
}

void row_batch::execute(soci::session& sql) const {
  auto per_chunk = std::max<size_t>(max_params / columns_, 1);
  for (size_t first = 0; first < rows_.size(); first += per_chunk) {
    auto n = std::min(per_chunk, rows_.size() - first);
    soci::statement st{sql};
    st.alloc();
    // Run once: on PostgreSQL a repeatable query would be prepared under
    // a name and deallocated afterwards, two more round trips.
    st.prepare(head_ + " VALUES " + placeholders(n, columns_)
                 + (tail_.empty() ? "" : " " + tail_),
               soci::details::st_one_time_query);
    for (size_t r = first; r < first + n; ++r)
      for (auto& v : rows_[r])
        bind(st, v);
    st.define_and_bind();
    st.execute(true);
  }
}

void select_in(soci::session& sql, const std::string& head,
               const std::vector<std::string>& keys,
               const std::function<void(const soci::row&)>& on_row,
               const std::string& tail,
               const std::vector<std::string>& leading) {
  for (size_t first = 0; first < keys.size(); first += row_batch::max_params) {
    auto n = std::min(row_batch::max_params, keys.size() - first);
    std::string text = head + " IN (";
    for (size_t k = 0; k < n; ++k) {
      if (k > 0)
        text += ", ";
      param(text, k);
    }
    text += ')';
    if (!tail.empty())
      text += " " + tail;
    soci::row row;
    soci::statement st{sql};
    st.alloc();
    st.prepare(text, soci::details::st_one_time_query);
    st.exchange(soci::into(row));
    for (const auto& x : leading)
      st.exchange(soci::use(const_cast<std::string&>(x)));
    for (size_t k = first; k < first + n; ++k)
      st.exchange(soci::use(const_cast<std::string&>(keys[k])));
    st.define_and_bind();
    if (!st.execute(true))
      continue;
    do
      on_row(row);
    while (st.fetch());
  }
}

long long get_int(const soci::row& r, size_t i) {
  switch (r.get_properties(i).get_data_type()) {
    case soci::dt_integer:
      return r.get<int>(i);
    case soci::dt_unsigned_long_long:
      return static_cast<long long>(r.get<unsigned long long>(i));
    default:
      return r.get<long long>(i);
  }
}

} // namespace mink::sql
