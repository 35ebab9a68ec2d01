// Built twice by the tests: as it is, it must compile; with
// MINK_SEND_WRONG_MESSAGE it sends the persistence actor a message its
// interface does not have (a bare stream_append instead of a
// reserved_append), and must not.

#include <caf/all.hpp>

#include "mink/actors/interfaces.hpp"

void probe(caf::event_based_actor* self, mink::persistence_actor writer,
           mink::reserved_append reserved, mink::stream_append bare) {
  self->request(writer, caf::infinite, mink::append_atom::value,
                std::move(reserved))
    .then([](mink::append_result&) {});
#ifdef MINK_SEND_WRONG_MESSAGE
  self->request(writer, caf::infinite, mink::append_atom::value,
                std::move(bare))
    .then([](mink::append_result&) {});
#else
  (void) bare;
#endif
}

int main() {
  return 0;
}
