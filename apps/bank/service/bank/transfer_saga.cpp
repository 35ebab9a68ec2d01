#include "bank/transfer_saga.hpp"

#include <climits>
#include <cstdlib>
#include <set>

#include <spdlog/spdlog.h>

#include "bank/commands.hpp"
#include "bank/errors.hpp"
#include "bank/projections.hpp"
#include "mink/aggregate_events.hpp"
#include "mink/business_error.hpp"
#include "mink/errc.hpp"

namespace bank {

transfer_saga::transfer_saga(std::shared_ptr<mink::event_store> store,
                             std::shared_ptr<const mink::event_registry> registry,
                             std::shared_ptr<mink::command_client> commands,
                             std::shared_ptr<saga_stats> stats)
  : store_(std::move(store)),
    registry_(std::move(registry)),
    commands_(std::move(commands)),
    stats_(std::move(stats)) {
  // nop
}

std::string transfer_saga::name() const {
  return saga_projection_name;
}

mink::read_filter transfer_saga::filter() const {
  return {transfer_decider::category, {}};
}

mink::error_policy transfer_saga::policy() const {
  mink::error_policy p;
  p.action = mink::error_action::retry;
  p.max_attempts = INT_MAX; // a transfer must finish: never skip a step
  p.initial_backoff = std::chrono::milliseconds{50};
  p.max_backoff = std::chrono::milliseconds{2000};
  p.then = mink::error_action::fault;
  return p;
}

caf::expected<transfer_state>
transfer_saga::load(const std::string& tid, mink::metadata& meta) const {
  transfer agg;
  int64_t from = 1;
  for (;;) {
    auto evs = store_->read_stream(std::string{transfer_decider::category} + "-" + tid,
                                   from, 1000);
    if (!evs)
      return std::move(evs.error());
    for (auto& rec : *evs) {
      if (rec.stream_version == 1)
        meta.correlation_id = rec.meta.correlation_id;
      auto decoded = registry_->decode(rec);
      if (!decoded)
        return std::move(decoded.error());
      auto ev = mink::detail::variant_from_any<transfer_event>::convert(
        decoded->value);
      if (!ev)
        return mink::make_error(mink::errc::decode_failed,
                                "not a transfer event: " + rec.type);
      agg.apply(*ev);
    }
    if (evs->size() < 1000)
      break;
    from += static_cast<int64_t>(evs->size());
  }
  return agg.state();
}

caf::error
transfer_saga::handle(const std::vector<mink::recorded_event>& events) {
  // Each transfer once per batch, acting on its latest state: earlier
  // events of the batch are steps already taken.
  std::vector<std::string> ids;
  std::set<std::string> seen;
  for (const auto& ev : events) {
    auto id = id_of_stream(ev.stream_id);
    if (seen.insert(id).second)
      ids.push_back(std::move(id));
  }
  std::vector<std::string> tids;
  std::vector<saga_step> steps;
  for (const auto& id : ids) {
    mink::metadata meta;
    auto st = load(id, meta);
    if (!st)
      return std::move(st.error());
    auto step = plan_step(id, *st, meta);
    if (step.action == saga_action::none)
      continue;
    tids.push_back(id);
    steps.push_back(std::move(step));
  }
  if (steps.empty())
    return {};
  // Phase 1: the account commands, all at once.
  std::vector<size_t> idx;
  std::vector<mink::command_envelope> cmds;
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i].account_command) {
      idx.push_back(i);
      cmds.push_back(*steps[i].account_command);
    }
  auto results = commands_->send_all(std::move(cmds));
  // Phase 2: the transfer commands recording each outcome.
  std::vector<mink::command_envelope> outcomes;
  std::vector<size_t> outcome_idx;
  std::vector<bool> has_outcome(steps.size(), false);
  caf::error first_failure;
  for (size_t k = 0; k < idx.size(); ++k) {
    auto i = idx[k];
    auto& res = results[k];
    has_outcome[i] = true;
    if (res) {
      if (!exit_after_.empty() && exit_after_ == to_string(steps[i].action)) {
        spdlog::warn("fault injection: exiting after {} of transfer {}",
                     exit_after_, tids[i]);
        std::_Exit(86);
      }
      outcomes.push_back(*steps[i].on_success);
      outcome_idx.push_back(i);
    } else if (mink::is_business_error(res.error())) {
      auto refusal = refusal_command(tids[i], steps[i].action,
                                     describe(res.error()),
                                     steps[i].on_success->meta);
      if (!refusal) {
        // A refund refused: only an account that was never opened refuses
        // one, which a debited transfer cannot have. Keep retrying loudly.
        stats_->failures.fetch_add(1);
        spdlog::error("transfer {}: {} refused: {}", tids[i],
                      to_string(steps[i].action), describe(res.error()));
        if (!first_failure)
          first_failure = res.error();
        continue;
      }
      stats_->refusals.fetch_add(1);
      outcomes.push_back(std::move(*refusal));
      outcome_idx.push_back(i);
    } else {
      stats_->failures.fetch_add(1);
      spdlog::warn("transfer {}: {} failed, will retry: {}", tids[i],
                   to_string(steps[i].action), describe(res.error()));
      if (!first_failure)
        first_failure = res.error();
    }
  }
  for (size_t i = 0; i < steps.size(); ++i)
    if (!has_outcome[i]) { // no account command: record at once
      outcomes.push_back(*steps[i].on_success);
      outcome_idx.push_back(i);
    }
  auto recorded = commands_->send_all(std::move(outcomes));
  for (size_t k = 0; k < recorded.size(); ++k) {
    if (recorded[k]) {
      stats_->steps.fetch_add(1);
      continue;
    }
    stats_->failures.fetch_add(1);
    spdlog::warn("transfer {}: recording {} failed, will retry: {}",
                 tids[outcome_idx[k]], to_string(steps[outcome_idx[k]].action),
                 describe(recorded[k].error()));
    if (!first_failure)
      first_failure = recorded[k].error();
  }
  return first_failure;
}

} // namespace bank
