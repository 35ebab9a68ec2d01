#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>

#include "mink/actors/projection_runner.hpp"
#include "mink/actors/projection_status.hpp"
#include "mink/event.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Receives the events of a live subscription, in batches, on the
/// subscription's own thread. Returning an error (or throwing) applies the
/// subscription's error policy, as for projections.
using live_handler
  = std::function<caf::error(const std::vector<recorded_event>&)>;

/// A running live subscription.
struct live_subscription {
  /// Stop it with `caf::anon_send_exit(actor, caf::exit_reason::user_shutdown)`.
  projection_runner_actor actor;
  /// Its position, state and lag.
  std::shared_ptr<projection_status> status;
};

/// Starts a transient subscriber (for example a UI) that gets every event
/// after `after_position` (0: from the first), dense and in order: stored
/// events first (catch-up), then live ones from `feed` as they commit.
/// Nothing is stored: its checkpoint lives in memory and dies with it.
/// `filter` narrows the events passed to `handler`.
[[nodiscard]] live_subscription
subscribe_live(caf::actor_system& sys, std::shared_ptr<event_store> store,
               feed_actor feed, int64_t after_position, live_handler handler,
               read_filter filter = {}, runner_config cfg = {});

} // namespace mink
