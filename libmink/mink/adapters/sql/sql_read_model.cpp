// sql_read_model lives in mink::sql, not in the core: its tables are
// created and emptied through SOCI.

#include "mink/projection/read_model.hpp"

#include <string_view>

#include <soci/soci.h>

#include "mink/errc.hpp"

namespace mink {

namespace {

bool identifier_part(std::string_view x) {
  if (x.empty() || x.size() > 63 || (x[0] >= '0' && x[0] <= '9'))
    return false;
  for (char c : x)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
          || (c >= '0' && c <= '9') || c == '_'))
      return false;
  return true;
}

/// A table name: `table` or `schema.table`.
bool table_name(std::string_view x) {
  auto dot = x.find('.');
  if (dot == std::string_view::npos)
    return identifier_part(x);
  return identifier_part(x.substr(0, dot)) && identifier_part(x.substr(dot + 1));
}

} // namespace

sql_read_model::sql_read_model(std::string name,
                               std::shared_ptr<const event_registry> reg,
                               std::string category)
  : handler_read_model(std::move(name), std::move(reg),
                       std::move(category)) {
  // nop
}

void sql_read_model::table(std::string name, std::string columns) {
  tables_.push_back({std::move(name), std::move(columns)});
}

caf::error sql_read_model::check_tables() const {
  for (const auto& t : tables_)
    if (!table_name(t.name))
      return make_error(errc::invalid_argument,
                        "read model '" + name_ + "': table name '" + t.name
                          + "' is not an identifier (or schema.table)");
  return {};
}

caf::error sql_read_model::setup(soci::session& sql) {
  if (auto err = check_tables())
    return err;
  for (const auto& t : tables_)
    sql << "CREATE TABLE IF NOT EXISTS " + t.name + " (" + t.columns + ")";
  return {};
}

caf::error sql_read_model::clear(soci::session& sql) {
  if (tables_.empty())
    return make_error(errc::invalid_argument,
                      "read model '" + name_
                        + "' declares no table to clear: declare its tables "
                          "with table(), or override clear()");
  if (auto err = check_tables())
    return err;
  for (auto i = tables_.rbegin(); i != tables_.rend(); ++i)
    sql << "DELETE FROM " + i->name;
  return {};
}

caf::error sql_read_model::handle(soci::session& sql,
                                  const std::vector<recorded_event>& events) {
  if (auto err = begin_batch(sql, events))
    return err;
  if (auto err = handlers_.dispatch_all(sql, events))
    return err;
  return end_batch(sql);
}

caf::error sql_read_model::begin_batch(soci::session&,
                                       const std::vector<recorded_event>&) {
  return {};
}

caf::error sql_read_model::end_batch(soci::session&) {
  return {};
}

} // namespace mink
