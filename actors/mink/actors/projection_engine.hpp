#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/error.hpp>

#include "mink/actors/projection_runner.hpp"
#include "mink/actors/projection_status.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/projection/projection.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"
#include "mink/store/event_store.hpp"

namespace mink {

/// Runs a process's async and SQL projections: one runner actor each (see
/// `spawn_projection_runner`), fed by the event feed when one is given.
/// A faulted projection stops alone; the others keep running.
class projection_engine {
public:
  /// `feed` may be invalid (then runners poll the store). Runners report
  /// as `cfg.runner_id`, or `pid@host` when it is empty.
  projection_engine(caf::actor_system& sys, std::shared_ptr<event_store> store,
                    std::shared_ptr<checkpoint_store> checkpoints,
                    feed_actor feed = {}, runner_config cfg = {});

  /// Stops every runner (see `stop`).
  ~projection_engine();

  projection_engine(const projection_engine&) = delete;
  projection_engine& operator=(const projection_engine&) = delete;

  /// Starts running `p`. Fails with `invalid_argument` for an invalid or
  /// taken name.
  [[nodiscard]] caf::error add(std::shared_ptr<async_projection> p);

  /// Starts running `p`, whose read model lives in the checkpoint store's
  /// database. Runs `p->setup` before it returns (its error is returned),
  /// so the read model's tables exist from then on. Fails with `invalid_argument` when the checkpoint store is
  /// not a `sql_checkpoint_store`, or for an invalid or taken name.
  [[nodiscard]] caf::error add(std::shared_ptr<sql_projection> p);

  /// Returns the status of every projection, ordered by name.
  [[nodiscard]] std::vector<std::shared_ptr<const projection_status>>
  statuses() const;

  /// Returns the status of `name`, or null.
  [[nodiscard]] std::shared_ptr<const projection_status>
  status(const std::string& name) const;

  /// Waits until projection `name` has applied every event up to
  /// `position` (read-your-writes: pass a command reply's position).
  /// Fails with `timeout` when that takes longer than `timeout`, and with
  /// `projection_not_found` for a name this engine does not run. When
  /// another process runs the projection, polls its stored checkpoint.
  [[nodiscard]] caf::error wait_for(const std::string& name, int64_t position,
                                    std::chrono::milliseconds timeout);

  /// Like `wait_for`, without holding the caller's thread: `done` runs
  /// once, with no error when the projection has applied `position`, or
  /// with the error (`timeout`, `projection_not_found`, `store_unavailable`
  /// when the engine stops first). It runs on the caller's thread when the
  /// answer is known at once, else on a runner's or CAF's thread: it must
  /// not block.
  void when_reached(const std::string& name, int64_t position,
                    std::chrono::milliseconds timeout,
                    std::function<void(caf::error)> done);

  /// Stops every runner and waits for them: each reports `stopped` and
  /// gives its lease up, so another process can take over at once.
  void stop();

private:
  caf::error start(std::unique_ptr<projection_target> target,
                   const std::string& name);

  caf::actor_system& sys_;
  std::shared_ptr<event_store> store_;
  std::shared_ptr<checkpoint_store> checkpoints_;
  feed_actor feed_;
  runner_config cfg_;
  mutable std::mutex mtx_;
  std::map<std::string, std::shared_ptr<projection_status>> statuses_;
  std::vector<projection_runner_actor> runners_;
  engine_waits_actor waits_;
};

} // namespace mink
