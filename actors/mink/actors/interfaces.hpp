#pragma once

// The protocols of mink's actors, as CAF typed actor interfaces: sending a
// message an actor does not handle, or expecting the wrong answer, is a
// compile error. Each handle type names an actor kind; the functions that
// spawn them (`spawn_router`, `spawn_persistence`, ...) return these.
//
// A command goes client -> command bus -> router -> aggregate actor; the
// aggregate reads through the store reader, appends through the
// persistence actor and saves snapshots through the snapshot writer. The
// persistence actor publishes committed events to the feed; projection
// runners pull from the feed; the engine's wait actor answers
// read-your-writes waits. See docs/architecture.md.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/replies_to.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/typed_actor.hpp>
#include <caf/typed_event_based_actor.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"

namespace mink {

/// Anything that takes commands: the command bus, a router, an aggregate.
/// Answers `command_result` or the command's error (a business error, a
/// conflict after the retries, `overloaded`, ...).
using command_handler_actor = caf::typed_actor<
  caf::replies_to<command_atom, command_envelope>::with<command_result>>;

/// The actor of one aggregate instance (spawned by its router). Besides
/// commands: `retry_atom` (to itself, after a conflict's backoff) and
/// `passivate_atom` (from its router: finish what it holds, then stop).
using aggregate_actor = command_handler_actor::extend<
  caf::reacts_to<retry_atom>, caf::reacts_to<passivate_atom>>;

/// The router of one aggregate type. Besides commands: `gone_atom` (from an
/// aggregate actor that failed: forget it) and `tick_atom` (to itself:
/// passivate idle actors).
using router_actor = command_handler_actor::extend<
  caf::reacts_to<gone_atom, std::string, caf::actor_addr>,
  caf::reacts_to<tick_atom>>;

/// The command bus: routes by command name through the middleware
/// pipeline. `tick_atom` is its own timer.
using command_bus_actor
  = command_handler_actor::extend<caf::reacts_to<tick_atom>>;

/// The persistence actor: appends from many aggregates committed in shared
/// transactions (group commit). One append answers `append_result`; a
/// group (an aggregate's round, each append expecting the version the one
/// before leaves) commits in one transaction and answers one result per
/// append. `flush_atom` is its own wake-up.
using persistence_actor = caf::typed_actor<
  caf::replies_to<append_atom, reserved_append>::with<append_result>,
  caf::replies_to<append_atom, std::vector<reserved_append>>::with<
    append_group_result>,
  caf::reacts_to<flush_atom>>;

/// The store reader: an aggregate's events from a version on (with its
/// latest snapshot when the flag asks for it), and command records by id.
/// `flush_atom` is its own wake-up.
using store_reader_actor = caf::typed_actor<
  caf::replies_to<load_atom, std::string, int64_t, bool>::with<load_result>,
  caf::replies_to<find_atom, std::string>::with<std::optional<command_record>>,
  caf::reacts_to<flush_atom>>;

/// The snapshot writer: saves snapshots off the command path; nobody waits.
using snapshot_writer_actor
  = caf::typed_actor<caf::reacts_to<snapshot_atom, snapshot>>;

/// The event feed: the persistence actor publishes committed events;
/// readers ask for events from a position on (answered when some arrive or
/// the feed's wait runs out). `tick_atom` is its own timer; `commit_atom`
/// comes from its commit watch.
using feed_actor = caf::typed_actor<
  caf::reacts_to<publish_atom, std::vector<recorded_event>>,
  caf::replies_to<next_atom, int64_t, uint32_t>::with<feed_batch>,
  caf::reacts_to<tick_atom>, caf::reacts_to<commit_atom, int64_t>>;

/// A projection runner; it drives itself with `step_atom` (the generation
/// tells a stale step from the current one). Controls reach it through the
/// checkpoint store, so that they work across processes.
using projection_runner_actor
  = caf::typed_actor<caf::reacts_to<step_atom, uint64_t>>;

/// The projection engine's wait actor: read-your-writes waits
/// (`projection_engine::when_reached`), their timeouts, and polling the
/// checkpoints of projections other processes run.
using engine_waits_actor = caf::typed_actor<
  caf::reacts_to<wait_atom, std::shared_ptr<detail::read_wait>>,
  caf::reacts_to<expire_atom, std::shared_ptr<detail::read_wait>>,
  caf::reacts_to<tick_atom>>;

} // namespace mink
