#include "mink/projection/event_handlers.hpp"

#include "mink/errc.hpp"

namespace mink::detail {

caf::error decode_for_handler(const event_registry& reg,
                              const recorded_event& rec, std::any& out,
                              const std::type_info& type) {
  auto decoded = reg.decode_value(rec);
  if (!decoded)
    return std::move(decoded.error());
  if (decoded->type() != type)
    return make_error(errc::decode_failed,
                      "event " + rec.type + " at position "
                        + std::to_string(rec.global_position)
                        + " is registered as another C++ type than its "
                          "handler takes");
  out = std::move(*decoded);
  return {};
}

} // namespace mink::detail
