#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include <caf/actor.hpp>
#include <caf/actor_system.hpp>
#include <caf/expected.hpp>

#include "mink/actors/append_queue.hpp"
#include "mink/actors/interfaces.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Limits of the persistence actor.
struct persistence_config {
  /// At most this many events go into one transaction; appends beyond wait
  /// for the next. (An append with more events than this goes alone.)
  size_t max_batch_events = 2000;
  /// Appends waiting (sent but not answered) above which senders are told
  /// `errc::overloaded` at once instead of queueing.
  size_t max_queued_appends = 20000;
  /// The event feed (`spawn_feed`) to publish each committed batch to;
  /// none when invalid.
  feed_actor feed;
  /// Called on the persistence actor's thread after each store call with
  /// the batch's appends and events and the seconds the call took (for
  /// append latency and batch size metrics); empty = none. Must be cheap
  /// and must not block.
  std::function<void(size_t appends, size_t events, double seconds)> on_batch;
  /// A clustered node's fence for an append to a stream (see
  /// `cluster::ownership::fence_for`), stamped on each append as it is
  /// taken; its error (`not_owner`) is the append's answer. Empty = no
  /// fences (a node outside a cluster).
  std::function<caf::expected<slice_fence>(std::string_view stream_id)>
    fence_for;
};

/// A handle on a running persistence actor.
struct persistence {
  /// Accepts `(append_atom, reserved_append)` and answers `append_result`
  /// or the stream's error. Accepts `(append_atom,
  /// std::vector<reserved_append>)`, appends that must commit in one
  /// transaction (an aggregate's commands decided in a row, each expecting
  /// the version the one before leaves), and answers
  /// `append_group_result`.
  persistence_actor actor;
  std::shared_ptr<persistence_stats> stats;
  persistence_config config;

  /// Takes a queue slot for `x`; none when `max_queued_appends` appends
  /// hold one (then the caller answers `overloaded` and sends nothing).
  [[nodiscard]] std::optional<reserved_append>
  try_reserve(stream_append x) const {
    auto n = stats->queued.fetch_add(1, std::memory_order_relaxed);
    if (n >= config.max_queued_appends) {
      stats->queued.fetch_sub(1, std::memory_order_relaxed);
      return std::nullopt;
    }
    return reserved_append{std::move(x), std::shared_ptr<append_slot>{
                                           new append_slot{stats}}};
  }
};

/// Spawns the persistence actor and its committer.
///
/// The persistence actor runs on CAF's scheduler and never blocks: it
/// checks and encodes each append as it arrives
/// (`event_store::prepare_append`; a bad one is answered at once) and
/// answers committed ones. The committer runs on a thread of its own, since
/// it blocks on the database, which CAF's cooperative scheduler threads
/// must never do.
///
/// Group commit: appends that arrive while the committer is in a
/// transaction wait; when it is done, the next transaction takes all of
/// them (up to `max_batch_events`) in one `event_store::append_checked`
/// call, which commits them together. The committer gets that batch before
/// the answers of the last one go out, so the database never waits for
/// them. A stream whose expected version fails is rejected alone. Appends
/// come with a queue slot (`persistence::try_reserve`).
persistence spawn_persistence(caf::actor_system& sys,
                              std::shared_ptr<event_store> store,
                              persistence_config cfg = {});

} // namespace mink
