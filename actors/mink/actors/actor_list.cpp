#include "mink/actors/actor_list.hpp"

#include <caf/send.hpp>

namespace mink {

actor_list::~actor_list() {
  stop();
}

void actor_list::stop(caf::exit_reason reason) {
  for (auto& a : list_)
    caf::anon_send_exit(a, reason);
  list_.clear();
}

} // namespace mink
