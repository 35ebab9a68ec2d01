#include "mink/projection/read_model.hpp"

namespace mink {

// -- sql_read_model -------------------------------------------------------------

sql_read_model::sql_read_model(std::string name,
                               std::shared_ptr<const event_registry> reg,
                               std::string category)
  : handler_read_model(std::move(name), std::move(reg),
                       std::move(category)) {
  // nop
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
  : handler_read_model(std::move(name), std::move(reg),
                       std::move(category)) {
  // nop
}

caf::error
async_read_model::handle(const std::vector<recorded_event>& events) {
  return handlers_.dispatch_all(events);
}

} // namespace mink
