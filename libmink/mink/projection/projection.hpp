#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "mink/event.hpp"
#include "mink/store/event_store.hpp"

namespace soci {
class session;
} // namespace soci

namespace mink {

/// What a runner does with an event its handler keeps failing on.
enum class error_action {
  /// Try again after a backoff; after `max_attempts`, do `then`.
  retry,
  /// Park the event as a dead letter and go on with the next.
  skip,
  /// Stop this projection (state `faulted`) until an operator resets or
  /// rebuilds it; other projections keep running.
  fault,
};

/// A projection's error policy.
struct error_policy {
  error_action action = error_action::retry;
  /// Attempts of a failing event under `retry`, the first included.
  int max_attempts = 5;
  /// The wait after the first failure; doubles after each, up to
  /// `max_backoff`.
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{5000};
  /// What `retry` does once the attempts are used up: `skip` or `fault`.
  error_action then = error_action::fault;
};

/// A consumer of the committed event feed, run by the projection engine on
/// batches of events in global-position order, with no gap and no
/// duplicate.
class projection {
public:
  virtual ~projection();

  /// The projection's name: its key in the checkpoint store (1 to 200
  /// bytes of UTF-8, no control characters).
  [[nodiscard]] virtual std::string name() const = 0;

  /// Which events it wants (see `matches` in `mink/store/read_filter_match.hpp`);
  /// the others only move its checkpoint.
  [[nodiscard]] virtual read_filter filter() const { return {}; }

  /// How its runner treats a failing event.
  [[nodiscard]] virtual error_policy policy() const { return {}; }
};

/// A projection whose read model lives anywhere (memory, a cache, another
/// service). Its checkpoint is saved after each batch it handled, so after
/// a crash it may see the events of the last batch again: at least once.
/// For exactly once, use `sql_projection`.
class async_projection : public projection {
public:
  /// Applies `events` (those passing `filter()`, never empty). Returns an
  /// error, or throws, when it cannot; the runner then isolates the event
  /// that fails and applies the error policy to it.
  virtual caf::error handle(const std::vector<recorded_event>& events) = 0;

  /// Clears the read model before a rebuild.
  virtual caf::error clear() { return {}; }
};

/// A projection whose read model is tables in the checkpoint store's SQL
/// database. Each batch's rows and checkpoint commit in one transaction:
/// every event takes effect exactly once. Also usable inline (inside the
/// append transaction of a SQLite or PostgreSQL event store).
///
/// Handlers run statements through the SOCI session they are given, inside
/// a transaction the runner owns: never begin, commit or roll back.
/// Failures are errors or exceptions (SOCI's included).
class sql_projection : public projection {
public:
  /// Creates the read model's tables when missing; runs once before the
  /// first batch, in a transaction of its own.
  virtual caf::error setup(soci::session&) { return {}; }

  /// Applies `events` (those passing `filter()`, never empty). Many events
  /// arrive at once during catch-up: prefer one set-based statement per
  /// batch over one per event.
  virtual caf::error handle(soci::session& sql,
                            const std::vector<recorded_event>& events)
    = 0;

  /// Deletes the read model's rows before a rebuild, in the transaction
  /// that resets the checkpoint to 0.
  virtual caf::error clear(soci::session& sql) = 0;
};

} // namespace mink
