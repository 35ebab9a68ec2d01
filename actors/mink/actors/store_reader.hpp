#pragma once

#include <memory>

#include <caf/actor_system.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/actors/load_batch.hpp"
#include "mink/log.hpp"
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
///
/// Loads are served in batches: the reader gathers the loads waiting in its
/// mailbox (up to `max_load_batch`) and reads them with one snapshot query
/// and one event query (`load_batch`); while that runs, the next batch
/// gathers. Each load is answered once its own data is read, or with its
/// own error. Aggregate actors rehydrate through it, so that they never
/// block CAF's scheduler threads on the database. `snapshots` may be null.
/// With `workers` > 1 it is a pool of that many readers, each on its own
/// thread and connection, taking requests in turn (each batching its own).
/// `stats`, when given, counts loads and batches; `log` gets unreadable
/// snapshots (none = spdlog's default logger).
store_reader_actor spawn_store_reader(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              std::shared_ptr<snapshot_store> snapshots = {},
                              size_t workers = 1,
                              std::shared_ptr<store_reader_stats> stats = {},
                              logger_ptr log = {});

} // namespace mink
