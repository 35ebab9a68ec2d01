#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <optional>
#include <type_traits>
#include <utility>
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

/// Room for a model inside an aggregate actor's state: a model that fits
/// costs no allocation of its own (a service holds many idle actors).
struct model_storage {
  static constexpr size_t capacity = 64;
  alignas(std::max_align_t) std::byte bytes[capacity];
};

/// Owns a model that lives in a `model_storage` or, when it does not fit,
/// on the heap.
class model_ptr {
public:
  model_ptr() = default;
  model_ptr(const model_ptr&) = delete;
  model_ptr& operator=(const model_ptr&) = delete;

  model_ptr(model_ptr&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), in_place_(other.in_place_) {
    // nop
  }

  model_ptr& operator=(model_ptr&& other) noexcept {
    if (this != &other) {
      destroy();
      ptr_ = std::exchange(other.ptr_, nullptr);
      in_place_ = other.in_place_;
    }
    return *this;
  }

  ~model_ptr() {
    destroy();
  }

  /// Makes a `Model` in `room` when it fits, on the heap otherwise. The
  /// result must go before `room` does.
  template <class Model>
  static model_ptr make(model_storage& room) {
    static_assert(std::is_base_of_v<aggregate_model, Model>);
    model_ptr result;
    if constexpr (sizeof(Model) <= model_storage::capacity
                  && alignof(Model) <= alignof(std::max_align_t)) {
      result.ptr_ = new (room.bytes) Model();
      result.in_place_ = true;
    } else {
      result.ptr_ = new Model();
    }
    return result;
  }

  aggregate_model* operator->() const noexcept { return ptr_; }
  aggregate_model& operator*() const noexcept { return *ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

private:
  void destroy() noexcept {
    if (in_place_ && ptr_ != nullptr)
      ptr_->~aggregate_model();
    else
      delete ptr_;
    ptr_ = nullptr;
  }

  aggregate_model* ptr_ = nullptr;
  bool in_place_ = false;
};

/// Makes the model of a new aggregate instance, in the actor's state.
using aggregate_model_factory = model_ptr (*)(model_storage& room);

} // namespace mink
