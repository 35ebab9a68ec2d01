#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <utility>
#include <string>
#include <vector>

#include <caf/error.hpp>

#include "mink/command/command.hpp"
#include "mink/metadata.hpp"
#include "mink/saga/saga_store.hpp"

namespace mink {

class saga_context;

/// A command a saga sends, and what follows its answer.
struct saga_command {
  /// The step's name within the instance (e.g. `debit`).
  std::string step;
  command_envelope cmd;
  /// Runs after the command succeeded (or was already done).
  std::function<void(saga_context&)> on_success;
  /// Runs after a business refusal (see `is_business_error`): the place to
  /// compensate.
  std::function<void(const caf::error&, saga_context&)> on_refused;
};

/// What a saga's handler may do for its instance: send commands, ask to be
/// woken, finish. The runner carries it out after the handler returns.
class saga_context {
public:
  saga_context(std::string saga, std::string instance, int64_t now_us,
               metadata meta);

  /// The instance's id.
  [[nodiscard]] const std::string& instance() const noexcept {
    return instance_;
  }

  /// The time now, from the runner's clock (microseconds since the epoch).
  [[nodiscard]] int64_t now_us() const noexcept {
    return now_us_;
  }

  /// Sends `cmd` as step `step` of this instance. Its command id is derived
  /// from the saga, the instance and the step (`step_command_id`), so after
  /// a crash the same step is the same command, which the aggregate
  /// answers from its record instead of running it twice. The command gets
  /// the triggering event's correlation id unless it has one. A refusal
  /// without `on_refused` is logged and counted; other failures (timeout,
  /// store down) make the runner retry the whole batch.
  void send(std::string step, command_envelope cmd,
            std::function<void(saga_context&)> on_success = {},
            std::function<void(const caf::error&, saga_context&)> on_refused
            = {});

  /// Asks to be woken after `after` (replacing a timer of the same name):
  /// the saga's `on_wake` handler for `timer` runs then, also after a
  /// restart.
  void wake_after(const std::string& timer, std::chrono::microseconds after);

  /// Cancels timer `timer` (nothing when it is not set).
  void cancel_wake(const std::string& timer);

  /// Finishes the instance: its timers are dropped and later events for it
  /// are ignored.
  void complete() noexcept {
    done_ = true;
  }

  /// The saga cannot go on now (e.g. a refusal that must not happen): the
  /// runner fails the batch with `err` and retries it later, saving
  /// nothing of it. The first call counts.
  void fail(caf::error err) {
    if (!failure_)
      failure_ = std::move(err);
  }

  // -- for the runner ----------------------------------------------------------

  /// Whether commands wait to be taken.
  [[nodiscard]] bool has_commands() const noexcept {
    return !commands_.empty();
  }

  /// Takes the commands sent since the last call.
  std::vector<saga_command> take_commands();

  [[nodiscard]] bool done() const noexcept {
    return done_;
  }

  /// Takes the error of `fail`, if any.
  caf::error take_failure() {
    return std::exchange(failure_, caf::error{});
  }

  /// Moves the timer changes into `change`.
  void take_timers(saga_change& change);

private:
  std::string saga_;
  std::string instance_;
  int64_t now_us_;
  metadata meta_;
  std::vector<saga_command> commands_;
  std::vector<saga_timer> set_;
  std::vector<std::string> cancel_;
  bool done_ = false;
  caf::error failure_;
};

/// A UUID derived from `saga`, `instance` and `step` alone: the same inputs
/// give the same id in every process and after every restart. It has the
/// 8-4-4-4-12 form with version nibble 8 (custom) and the RFC 4122 variant.
[[nodiscard]] std::string step_command_id(const std::string& saga,
                                          const std::string& instance,
                                          const std::string& step);

} // namespace mink
