#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "mink/event.hpp"
#include "mink/projection/checkpoint_store.hpp"
#include "mink/projection/projection.hpp"
#include "mink/adapters/sql/sql_checkpoint_store.hpp"

namespace mink {

/// How a runner applies events to one projection and moves its checkpoint:
/// the part that differs between `async_projection` (handler, then a
/// checkpoint save) and `sql_projection` (both in one transaction).
///
/// Every member that moves the checkpoint takes the position the runner
/// believes it is at (`expected`) and fails with `wrong_expected_version`
/// when another runner moved it.
class projection_target {
public:
  virtual ~projection_target();

  /// The projection.
  [[nodiscard]] virtual const projection& get() const = 0;

  /// Prepares the read model (SQL: creates its tables).
  [[nodiscard]] virtual caf::error setup() = 0;

  /// Applies `relevant` (the events of the batch that pass the filter; may
  /// be empty) and moves the checkpoint from `expected` to `to`. Nothing
  /// takes effect when it fails (SQL); for async projections, the handler
  /// may have run when the checkpoint save fails.
  [[nodiscard]] virtual caf::error
  apply(int64_t expected, const std::vector<recorded_event>& relevant,
        int64_t to)
    = 0;

  /// Parks `ev` as a dead letter and moves the checkpoint from `expected`
  /// to its position (SQL: in one transaction).
  [[nodiscard]] virtual caf::error
  skip(int64_t expected, const recorded_event& ev, const std::string& error)
    = 0;

  /// Clears the read model and sets the checkpoint to 0 (SQL: in one
  /// transaction), then clears the pending rebuild request.
  [[nodiscard]] virtual caf::error rebuild(int64_t expected) = 0;

  /// Applies a parked event again and deletes its dead letter (SQL: in one
  /// transaction); the checkpoint does not move. On failure the letter is
  /// parked again with the new error.
  [[nodiscard]] virtual caf::error replay(int64_t expected,
                                          const recorded_event& ev)
    = 0;
};

/// Returns the target of an async projection, checkpointed in `store`.
[[nodiscard]] std::unique_ptr<projection_target>
make_target(std::shared_ptr<async_projection> p,
            std::shared_ptr<checkpoint_store> store);

/// Returns the target of a SQL projection whose read model lives in the
/// database of `store`.
[[nodiscard]] std::unique_ptr<projection_target>
make_target(std::shared_ptr<sql_projection> p,
            std::shared_ptr<sql_checkpoint_store> store);

/// Returns whether `err` says the store failed (`store_unavailable`,
/// `timeout`, `storage_failure`) rather than the projection's handler:
/// such failures are retried without end and say nothing about the event.
[[nodiscard]] bool is_store_failure(const caf::error& err) noexcept;

/// A handler's own error as the runner must see it: `wrong_expected_version`
/// (a saga's command on a contended aggregate, say) becomes
/// `projection_failed` naming it, so that it falls under the projection's
/// error policy instead of being taken for another runner having moved the
/// checkpoint (which makes a runner give the projection up).
[[nodiscard]] caf::error handler_error(const std::string& projection,
                                       caf::error err);

/// Calls `f`, turning an exception into `projection_failed` with its
/// message (handlers are application code), and its error into what
/// `handler_error` makes of it.
template <class F>
caf::error call_handler(const std::string& projection, F&& f) noexcept;

} // namespace mink

#include "mink/adapters/sql/projection_target_impl.hpp"
