#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <caf/actor_system.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/error.hpp>

#include "mink/actors/interfaces.hpp"
#include "mink/actors/projection_status.hpp"
#include "mink/projection/checkpoint_store.hpp"

namespace mink::detail {

/// One read-your-writes wait of `projection_engine::when_reached`.
struct read_wait final : projection_status::waiter {
  std::shared_ptr<const projection_status> status;
  int64_t position = 0;
  std::chrono::milliseconds timeout{0};
  std::function<void(caf::error)> done;
  std::atomic<bool> over{false};

  /// Ends the wait with `err` (none: reached); later calls do nothing.
  void finish(caf::error err) {
    if (!over.exchange(true))
      done(std::move(err));
  }

  void reached() override { finish({}); }

  bool finished() const override { return over.load(); }
};

/// Spawns the actor that times waits out and, for projections that
/// another process runs, polls their stored checkpoints (one load per
/// projection per 20 ms while any such wait is pending). Detached: the
/// loads block. Waits still pending when it stops end with
/// `store_unavailable`.
engine_waits_actor spawn_read_waits(caf::actor_system& sys,
                            std::shared_ptr<checkpoint_store> checkpoints);

} // namespace mink::detail
