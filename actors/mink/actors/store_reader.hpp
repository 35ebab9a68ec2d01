#pragma once

#include <memory>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "mink/store/event_store.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink {

/// Spawns a reader on a thread of its own. It answers
/// `(load_atom, std::string stream_id, int64_t from_version, bool snapshot)`
/// with a `load_result`: when `snapshot` is set and `snapshots` holds one
/// for the stream, that snapshot and the events after it; otherwise every
/// event from `from_version` on (none for a stream that does not exist).
/// It also answers `(find_atom, std::string command_id)` with the command's
/// record (`std::optional<command_record>`).
/// Aggregate actors rehydrate through it, so that they never block CAF's
/// scheduler threads on the database. `snapshots` may be null. With
/// `workers` > 1 it is a pool of that many readers, each on its own thread,
/// taking requests in turn: rehydrating many aggregates at once (after a
/// restart, say) then uses several database connections.
caf::actor spawn_store_reader(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              std::shared_ptr<snapshot_store> snapshots = {},
                              size_t workers = 1);

} // namespace mink
