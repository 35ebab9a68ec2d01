#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <caf/expected.hpp>

#include "mink/clock.hpp"
#include "mink/command/command.hpp"
#include "mink/log.hpp"
#include "mink/projection/projection.hpp"
#include "mink/saga/saga.hpp"
#include "mink/saga/saga_store.hpp"

namespace mink {

/// Sends commands and waits for every answer, in order (e.g.
/// `command_client::send_all`).
using command_sender = std::function<std::vector<caf::expected<command_result>>(
  std::vector<command_envelope>)>;

/// How a saga runner works.
struct saga_runner_config {
  /// The time that timers are due by; tests inject a `manual_clock`.
  std::shared_ptr<clock> time = system_clock();
  /// How often the timer thread looks for due timers (real time).
  std::chrono::milliseconds timer_poll{100};
  /// Timers fired per look.
  size_t timer_batch = 256;
  /// Rounds of continuations (a command's answer sending the next command)
  /// per event; a saga that goes on longer fails the batch.
  int max_rounds = 32;
  /// Commands sent at once at most: a batch of thousands of events goes out
  /// in parts, so that it does not fill the store's append queue (and get
  /// `overloaded` for everyone).
  size_t max_in_flight = 256;
  logger_ptr log;
  /// The name of its checkpoint in the projection engine; empty: the
  /// saga's name. (A saga that replaces older code keeps that code's
  /// checkpoint this way.)
  std::string checkpoint_name;
};

/// Counters of a saga runner, readable from any thread.
struct saga_stats {
  std::atomic<uint64_t> events{0};
  std::atomic<uint64_t> commands{0};
  std::atomic<uint64_t> refusals{0};
  std::atomic<uint64_t> failures{0};
  std::atomic<uint64_t> wakeups{0};
};

/// Runs a saga: an async projection (run by the projection engine, with a
/// checkpoint) that loads each instance's state from the saga store, runs
/// the handler of each event, sends the commands it asked for (and their
/// continuations), then saves state and timers; and a thread that fires
/// due timers.
///
/// A crash at any point repeats work, never skips it: the checkpoint moves
/// after the state is saved; an event at or below an instance's saved
/// position is skipped; commands carry ids derived from their step, so a
/// repeated command is answered from the aggregate's record. A command
/// failing for a reason other than a business refusal fails the batch,
/// which the runner retries with backoff, without end; nothing of it is
/// saved.
class saga_runner : public async_projection {
public:
  saga_runner(std::shared_ptr<const saga_definition> def,
              std::shared_ptr<saga_store> store, command_sender send,
              saga_runner_config cfg = {});

  /// Stops the timer thread.
  ~saga_runner() override;

  std::string name() const override;
  read_filter filter() const override;
  error_policy policy() const override;
  caf::error handle(const std::vector<recorded_event>& events) override;

  /// Fires the timers due now: what the timer thread does every
  /// `timer_poll`. Returns how many fired, or the first error (the timers
  /// not fired stay due).
  caf::expected<size_t> fire_due();

  /// Starts the timer thread (once).
  void start_timers();

  /// Stops the timer thread; waits for a firing in progress.
  void stop();

  [[nodiscard]] const saga_stats& stats() const noexcept {
    return *stats_;
  }

  /// The counters, shared (e.g. with the service's metrics).
  [[nodiscard]] std::shared_ptr<const saga_stats> shared_stats() const {
    return stats_;
  }

  /// The saga's name.
  [[nodiscard]] const std::string& saga_name() const noexcept {
    return def_->name();
  }

private:
  struct slot;
  struct slot_table;

  /// The instance's slot in `slots`, loaded from the store the first time.
  caf::expected<slot*> slot_of(slot_table& slots, const std::string& instance);
  /// Loads the slots of `instances` not in `slots` yet, in one call.
  caf::error load_slots(slot_table& slots,
                        const std::vector<std::string>& instances);
  /// Adds the slot of `instance` with its stored record `rec`.
  caf::expected<slot*> add_slot(slot_table& slots, const std::string& instance,
                                std::optional<saga_record> rec);
  /// Sends `envs` in parts of at most `max_in_flight`.
  std::vector<caf::expected<command_result>>
  send_parts(std::vector<command_envelope> envs);
  caf::error run_commands(std::vector<slot*>& active);
  /// Saves the outcomes of the steps taken so far (not the state) of the
  /// instances in `slots_`.
  caf::error save_journals();
  caf::error save(slot_table& slots);
  /// Fires the timers of the instance of `timers[first]` (they are
  /// adjacent when `due` sorts by instance).
  caf::expected<size_t> fire_instance(std::vector<saga_timer>& timers,
                                      size_t first, int64_t now,
                                      slot_table& slots);

  std::shared_ptr<const saga_definition> def_;
  std::shared_ptr<saga_store> store_;
  command_sender send_;
  saga_runner_config cfg_;
  logger_ptr log_;
  std::shared_ptr<saga_stats> stats_ = std::make_shared<saga_stats>();
  /// One batch or one firing at a time: both change instances.
  std::mutex work_mtx_;
  /// The instances of the batch or firing in progress (under `work_mtx_`).
  slot_table* slots_ = nullptr;
  std::mutex timer_mtx_;
  std::condition_variable timer_cv_;
  bool stopping_ = false;
  std::thread timer_thread_;
};

} // namespace mink
