#pragma once

// The value types of appending through the persistence actor: queue
// slots, reserved appends and group results. Apart from `persistence.hpp`
// so that the actor interfaces (`interfaces.hpp`) can name them.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <caf/expected.hpp>

#include "mink/store/append.hpp"

namespace mink {

struct persistence;

/// Counters of the persistence actor, readable from any thread.
struct persistence_stats {
  /// Appends holding a slot (see `append_slot`): reserved and not yet
  /// answered. Compared with `max_queued_appends` for overload.
  std::atomic<size_t> queued{0};
  std::atomic<uint64_t> appends{0};
  std::atomic<uint64_t> batches{0};
  std::atomic<uint64_t> events{0};
  /// Appends refused because their stream had moved on (wrong expected
  /// version): a concurrent writer, usually another process.
  std::atomic<uint64_t> conflicts{0};
  /// The largest batch committed, in appends.
  std::atomic<uint64_t> max_batch_appends{0};
};

/// One slot of the persistence actor's queue (`persistence_stats::queued`),
/// granted by `persistence::try_reserve` only. The append that carries it
/// holds it until it is answered: the persistence actor claims it on
/// receipt and gives it back when it answers. An append that never reaches
/// the actor (it is down) gives its slot back when its message is
/// destroyed. Whatever a sender does, the count stays right.
class append_slot {
public:
  append_slot(const append_slot&) = delete;
  append_slot& operator=(const append_slot&) = delete;

  /// Gives the slot back unless the persistence actor claimed it.
  ~append_slot();

  /// Hands the slot to the persistence actor, which gives it back when it
  /// answers; false when it was handed over already (a copy of the append
  /// was sent before).
  [[nodiscard]] bool claim() noexcept {
    return !claimed_.exchange(true, std::memory_order_relaxed);
  }

private:
  friend struct persistence;

  explicit append_slot(std::shared_ptr<persistence_stats> stats)
    : stats_(std::move(stats)) {
    // nop
  }

  std::shared_ptr<persistence_stats> stats_;
  std::atomic<bool> claimed_{false};
};

/// An append with its slot in the queue: the one message the persistence
/// actor takes (`(append_atom, reserved_append)`). Made by
/// `persistence::try_reserve`; an append without a slot, or with a slot
/// that another append used, is refused with `invalid_argument`.
struct reserved_append {
  stream_append append;
  std::shared_ptr<append_slot> slot;
};

/// The answer to `(append_atom, std::vector<reserved_append>)`: one result
/// per append, in the order sent.
struct append_group_result {
  std::vector<caf::expected<append_result>> results;
};

} // namespace mink
