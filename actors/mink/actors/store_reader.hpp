#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "mink/store/event_store.hpp"

namespace mink {

/// Spawns a reader on a thread of its own: it answers
/// `(load_atom, std::string stream_id, int64_t from_version)` with every
/// event of the stream from that version on (`std::vector<recorded_event>`,
/// empty for a stream that does not exist), or the store's error.
/// Aggregate actors rehydrate through it, so that they never block CAF's
/// scheduler threads on the database.
caf::actor spawn_store_reader(caf::actor_system& sys,
                              std::shared_ptr<event_store> store);

} // namespace mink
