// The inline-projection member of the event store port (the rest is in
// event_store.cpp).

#include "mink/store/event_store.hpp"

#include "mink/errc.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/projection/projection.hpp"
#include "mink/store/detail/port_checks.hpp"

namespace mink {

caf::error event_store::add_inline(std::shared_ptr<sql_projection> p) {
  if (!p)
    return make_error(errc::invalid_argument, "inline projection is null");
  auto name = p->name();
  if (auto problem = projection_name_problem(name); !problem.empty())
    return make_error(errc::invalid_argument, problem);
  return detail::guarded("add_inline",
                         [&] { return do_add_inline(std::move(p)); });
}

caf::error event_store::do_add_inline(std::shared_ptr<sql_projection> p) {
  return make_error(errc::invalid_argument,
                    "this event store runs no inline projections (only the "
                    "SQLite and PostgreSQL stores do): cannot add "
                      + p->name());
}

} // namespace mink
