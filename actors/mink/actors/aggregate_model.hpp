#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "mink/command/command.hpp"
#include "mink/event.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/store/snapshot_store.hpp"

namespace mink {

/// What an aggregate actor needs of one aggregate instance, with the
/// user's decider types erased. The actor's queue, rounds, retries, repeat
/// detection and answers are compiled once (`aggregate_actor.cpp`); only
/// this interface is implemented per decider (`decider_model` in
/// `aggregate_actor.hpp`).
class aggregate_model {
public:
  virtual ~aggregate_model();

  /// Events applied so far (0: empty).
  [[nodiscard]] virtual int64_t version() const noexcept = 0;

  /// Back to the empty state: the events decided were not written, or the
  /// state may be broken.
  virtual void reset() = 0;

  /// Whether `env`'s payload is of the decider's command type.
  [[nodiscard]] virtual bool accepts(const command_envelope& env) const = 0;

  /// Whether `env`'s aggregate is not expected to exist yet: the envelope
  /// says so, or the decider's `creates` does for its command.
  [[nodiscard]] virtual bool creates(const command_envelope& env) const = 0;

  /// Decides the command of `env` (which `accepts`) against the current
  /// state, and encodes the events with `meta`. The events are kept until
  /// `apply_decided`. Fails with the decider's business error, with
  /// `handler_failed` when `decide` threw, or with the encoding error.
  virtual caf::expected<std::vector<event_data>>
  decide(const command_envelope& env, const metadata& meta,
         const event_registry& reg)
    = 0;

  /// Applies the events of the last `decide`. Throws what `evolve` throws;
  /// then the state may be half changed (`reset` it).
  virtual void apply_decided() = 0;

  /// Applies events read from the stream, continuing at `version() + 1`
  /// (see `replay`).
  virtual caf::error replay(const event_registry& reg,
                            std::vector<recorded_event> events)
    = 0;

  /// Whether the decider can encode and decode its state for snapshots.
  [[nodiscard]] virtual bool has_state_codec() const noexcept = 0;

  /// Restores the state from `snap`; an error says why it cannot be used.
  virtual caf::error restore(const snapshot& snap) = 0;

  /// The state as a snapshot (without its stream id); none without a codec.
  [[nodiscard]] virtual std::optional<snapshot> take_snapshot() const = 0;
};

} // namespace mink
