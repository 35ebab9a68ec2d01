#include "mink/projection/read_model.hpp"

namespace mink {

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
