// The projection runner's event side: applying batches and the error
// policy for an event that fails.

#include <algorithm>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "mink/actors/detail/projection_runner_state.hpp"
#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/store/read_filter_match.hpp"

namespace mink::detail {

/// Applies the error policy to `ev`, which failed with `err`. Returns true
/// when the runner may go on with the next event.
bool on_event_failure(runner_self self, const recorded_event& ev,
                      const caf::error& err) {
  auto& s = self->state;
  if (s.failing_position != ev.global_position) {
    s.failing_position = ev.global_position;
    s.attempts = 0;
  }
  ++s.attempts;
  auto what = "event at position " + std::to_string(ev.global_position) + " ("
              + ev.type + " of " + ev.stream_id + "): " + to_text(err);
  set_error(self, what);
  auto action = s.policy.action;
  if (action == error_action::retry) {
    if (s.attempts < s.policy.max_attempts) {
      auto backoff = s.policy.initial_backoff;
      for (int i = 1; i < s.attempts && backoff < s.policy.max_backoff; ++i)
        backoff *= 2;
      backoff = std::min(backoff, s.policy.max_backoff);
      s.retry_due = clock_type::now() + backoff;
      s.status->add_retry();
      s.cfg.log->warn("mink projection {}: attempt {} of {} failed, retrying in "
                   "{} ms: {}",
                   s.name, s.attempts, s.policy.max_attempts, backoff.count(),
                   what);
      return false;
    }
    action = s.policy.then;
  }
  if (action == error_action::skip) {
    if (auto park_err = s.target->skip(s.position, ev, to_text(err))) {
      if (code_of(park_err) == errc::wrong_expected_version)
        lose_lead(self, park_err);
      else
        s.retry_due = clock_type::now() + s.cfg.store_retry;
      return false;
    }
    s.cfg.log->warn("mink projection {}: parked {}", s.name, what);
    s.status->add_parked();
    s.failing_position = 0;
    s.attempts = 0;
    set_position(self, ev.global_position);
    return true;
  }
  s.cfg.log->error("mink projection {}: faulted on {}", s.name, what);
  set_state(self, projection_state::faulted);
  report(self, true);
  return false;
}

/// Applies `events` (dense, from `position + 1`): as one batch, or, when
/// that fails, one event at a time to find the failing one.
void process(runner_self self, const std::vector<recorded_event>& events) {
  auto& s = self->state;
  if (events.empty())
    return;
  s.status->set_head(events.back().global_position);
  s.status->set_lag_seconds(
    std::max(0.0, static_cast<double>(now_us() - events.front().timestamp_us)
                    / 1e6));
  // Without a filter every event is relevant: no copy.
  auto all = s.filter.category.empty() && s.filter.event_types.empty();
  std::vector<recorded_event> filtered;
  if (!all)
    for (const auto& ev : events)
      if (matches(s.filter, ev))
        filtered.push_back(ev);
  const auto& relevant = all ? events : filtered;
  auto to = events.back().global_position;
  auto err = s.target->apply(s.position, relevant, to);
  if (!err) {
    s.status->add_applied(relevant.size());
    set_position(self, to);
    s.failing_position = 0;
    s.attempts = 0;
    if (!s.last_error.empty())
      set_error(self, {});
    return;
  }
  if (code_of(err) == errc::wrong_expected_version)
    return lose_lead(self, err);
  if (is_store_failure(err)) {
    set_error(self, to_text(err));
    s.retry_due = clock_type::now() + s.cfg.store_retry;
    return;
  }
  // Find the failing event: apply one at a time.
  for (const auto& ev : events) {
    std::vector<recorded_event> one;
    if (matches(s.filter, ev))
      one.push_back(ev);
    auto one_err = s.target->apply(s.position, one, ev.global_position);
    if (!one_err) {
      s.status->add_applied(one.size());
      set_position(self, ev.global_position);
      continue;
    }
    if (code_of(one_err) == errc::wrong_expected_version)
      return lose_lead(self, one_err);
    if (is_store_failure(one_err)) {
      set_error(self, to_text(one_err));
      s.retry_due = clock_type::now() + s.cfg.store_retry;
      return;
    }
    if (!on_event_failure(self, ev, one_err))
      return;
  }
}

} // namespace mink::detail
