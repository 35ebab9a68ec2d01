#include "mink/projection/read_model.hpp"

namespace mink {

// -- sql_read_model -------------------------------------------------------------

sql_read_model::sql_read_model(std::string name,
                               std::shared_ptr<const event_registry> reg,
                               std::string category)
  : name_(std::move(name)),
    category_(std::move(category)),
    handlers_(std::move(reg)) {
  // nop
}

std::string sql_read_model::name() const {
  return name_;
}

read_filter sql_read_model::filter() const {
  return {category_, handlers_.types()};
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

// -- async_read_model -----------------------------------------------------------

async_read_model::async_read_model(std::string name,
                                   std::shared_ptr<const event_registry> reg,
                                   std::string category)
  : name_(std::move(name)),
    category_(std::move(category)),
    handlers_(std::move(reg)) {
  // nop
}

std::string async_read_model::name() const {
  return name_;
}

read_filter async_read_model::filter() const {
  return {category_, handlers_.types()};
}

caf::error
async_read_model::handle(const std::vector<recorded_event>& events) {
  return handlers_.dispatch_all(events);
}

} // namespace mink
