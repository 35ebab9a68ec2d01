#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "mink/actors/command_client.hpp"
#include "bank/saga.hpp"
#include "mink/projection/projection.hpp"
#include "mink/serialization/event_registry.hpp"
#include "mink/store/event_store.hpp"

namespace bank {

/// The projection name (checkpoint key) of the transfer saga.
constexpr const char* saga_projection_name = "bank_transfer_saga";

/// Counters of the saga, readable from any thread.
struct saga_stats {
  std::atomic<uint64_t> steps{0};
  std::atomic<uint64_t> refusals{0};
  std::atomic<uint64_t> failures{0};
};

/// The transfer process manager, run as an async projection over the
/// `transfer` category. For each transfer in a batch it loads the
/// transfer's current state from its stream, plans the next step
/// (`plan_step`) and runs it: the account command, then the transfer
/// command recording the outcome. Steps of different transfers in one
/// batch run concurrently.
///
/// Every command id is derived from the transfer id and the step, so a
/// step repeated after a crash (the checkpoint is saved after the batch:
/// at least once) is answered from the command record: no debit, credit
/// or refund ever happens twice. A step that fails for any reason other
/// than a business refusal (overload, timeout, store outage) fails the
/// batch, which the runner retries with backoff, without end.
class transfer_saga : public mink::async_projection {
public:
  transfer_saga(std::shared_ptr<mink::event_store> store,
                std::shared_ptr<const mink::event_registry> registry,
                std::shared_ptr<mink::command_client> commands,
                std::shared_ptr<saga_stats> stats);

  std::string name() const override;
  mink::read_filter filter() const override;
  mink::error_policy policy() const override;
  caf::error handle(const std::vector<mink::recorded_event>& events) override;

  /// Fault injection for crash tests: when set to an action name (e.g.
  /// `debit`), the process exits at once (status 86, no cleanup) right
  /// after that action's account command succeeded and before its outcome
  /// is recorded on the transfer.
  void exit_after(std::string action) { exit_after_ = std::move(action); }

private:
  caf::expected<transfer_state> load(const std::string& transfer_id,
                                     mink::metadata& meta) const;

  std::shared_ptr<mink::event_store> store_;
  std::shared_ptr<const mink::event_registry> registry_;
  std::shared_ptr<mink::command_client> commands_;
  std::shared_ptr<saga_stats> stats_;
  std::string exit_after_;
};

} // namespace bank
