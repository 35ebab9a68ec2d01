#pragma once

#include <chrono>
#include <cstddef>
#include <memory>

#include <caf/actor_system.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/log.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Settings of the event feed.
struct feed_config {
  /// Where the feed logs read failures; none = spdlog's default logger.
  logger_ptr log;
  /// Events kept in memory for subscribers; older ones are read from the
  /// store. Bounds the feed's memory whatever its subscribers do.
  size_t max_cached_events = 50000;
  /// The same bound in bytes (`footprint` of the events): whichever is
  /// reached first trims the oldest events.
  size_t max_cached_bytes = size_t{64} << 20;
  /// How often the feed asks the store for events committed by other
  /// processes: the bound on their delay.
  std::chrono::milliseconds poll_interval{50};
  /// How long a subscriber's request for events past the head waits for
  /// new ones before the feed answers with none.
  std::chrono::milliseconds max_wait{200};
  /// Events read from the store per query when the feed fills a gap.
  size_t read_batch = 5000;
  /// Listen for the commits of other processes (`event_store::
  /// watch_commits`; PostgreSQL only) and read them as they commit, instead
  /// of at the next poll.
  bool watch_commits = true;
  /// How long a commit notification waits before the feed reads the store:
  /// a commit of this process is usually published by then and needs no
  /// read.
  std::chrono::milliseconds notify_grace{2};
};

/// Spawns the event feed on a thread of its own (it reads the store).
///
/// The persistence actor publishes each committed batch to it
/// (`(publish_atom, std::vector<recorded_event>)`); it also polls the
/// store for events that other processes committed, and reads them as
/// soon as the store's commit watch tells of them. It keeps the latest
/// events in memory, dense and in global-position order: when a published
/// batch starts past the next position it expects, it reads the missing
/// events from the store first, so subscribers never see a gap.
///
/// Subscribers pull: `(next_atom, int64_t from, uint32_t max)` answers a
/// `feed_batch` with up to `max` events from position `from` on. A
/// request past the head waits (up to `max_wait`) and is answered as soon
/// as events arrive, which keeps the lag low; a request older than the
/// memory window is answered `behind`, and the subscriber catches up from
/// the store. Nothing is pushed, so a slow subscriber costs no memory.
feed_actor spawn_feed(caf::actor_system& sys, std::shared_ptr<event_store> store,
                      feed_config cfg = {});

} // namespace mink
