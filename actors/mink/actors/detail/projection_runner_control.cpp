// The projection runner's control side: its state and reports, taking and
// giving up the lease, and obeying the stored controls.

#include <algorithm>
#include <string>
#include <utility>

#include <spdlog/spdlog.h>

#include "mink/actors/detail/projection_runner_state.hpp"
#include "mink/clock.hpp"
#include "mink/errc.hpp"

namespace mink::detail {

// -- state and reporting ------------------------------------------------------

void report(runner_self self, bool force) {
  auto& s = self->state;
  auto now = clock_type::now();
  if (!force && now < s.next_report)
    return;
  s.next_report = now + s.cfg.report_interval;
  projection_report x;
  x.state = s.state;
  x.lag_events = s.status->lag_events();
  x.lag_seconds = s.status->lag_seconds();
  x.last_error = s.last_error;
  x.runner = s.cfg.runner_id;
  if (auto err = s.checkpoints->report(s.name, x))
    s.cfg.log->warn("mink projection {}: cannot report its state: {}", s.name,
                 to_text(err));
}

void set_state(runner_self self, projection_state x) {
  auto& s = self->state;
  if (s.state == x)
    return;
  s.cfg.log->info("mink projection {}: {} -> {}", s.name, to_string(s.state),
               to_string(x));
  s.state = x;
  s.status->set_state(x);
  report(self, true);
}

void set_error(runner_self self, std::string what) {
  auto& s = self->state;
  // Each new error once in the log; repeats would flood it.
  if (!what.empty() && what != s.last_error)
    s.cfg.log->warn("mink projection {}: {}", s.name, what);
  s.last_error = std::move(what);
  s.status->set_last_error(s.last_error);
}

void set_position(runner_self self, int64_t x) {
  auto& s = self->state;
  s.position = x;
  s.status->set_position(x);
}

void watch_head(runner_self self) {
  auto& s = self->state;
  // The store's head, not the feed's: other processes write too.
  auto head = s.store->last_position();
  if (!head) {
    s.cfg.log->debug("mink projection {}: cannot read the head: {}", s.name,
                  to_text(head.error()));
    return;
  }
  s.status->set_head(*head);
  if (*head <= s.position) {
    s.status->set_lag_seconds(0);
    return;
  }
  auto oldest = s.store->read_all(s.position + 1, 1);
  if (oldest && !oldest->empty())
    s.status->set_lag_seconds(std::max(
      0.0, static_cast<double>(now_us() - oldest->front().timestamp_us) / 1e6));
}

// -- leadership and controls --------------------------------------------------

/// Gives the projection up: another runner moved its checkpoint.
void lose_lead(runner_self self, const caf::error& err) {
  auto& s = self->state;
  s.cfg.log->warn("mink projection {}: giving it up: {}", s.name, to_text(err));
  s.lease.reset();
  s.status->set_leader(false);
  s.state = projection_state::stopped;
  s.status->set_state(projection_state::stopped);
}

/// Reads the stored record and obeys it. Returns false when the runner
/// must not apply events now.
bool obey_controls(runner_self self) {
  auto& s = self->state;
  auto now = clock_type::now();
  if (now < s.next_control)
    return s.state != projection_state::faulted
           && s.desired != projection_desired::paused;
  s.next_control = now + s.cfg.control_interval;
  auto rec = s.checkpoints->load(s.name);
  if (!rec || !*rec) {
    auto what = rec ? std::string{"its record is gone"} : to_text(rec.error());
    s.cfg.log->warn("mink projection {}: cannot read its controls: {}", s.name,
                 what);
    return true;
  }
  auto& r = **rec;
  s.desired = r.desired;
  if (r.rebuild_requested) {
    s.cfg.log->info("mink projection {}: rebuilding", s.name);
    if (auto err = s.target->rebuild(r.position)) {
      set_error(self, "rebuild failed: " + to_text(err));
      s.cfg.log->error("mink projection {}: rebuild failed: {}", s.name,
                    to_text(err));
      return false;
    }
    auto head = s.store->last_position();
    s.rebuild_until = head ? *head : 0;
    s.from_store = true;
    s.failing_position = 0;
    s.attempts = 0;
    set_error(self, {});
    set_position(self, 0);
    set_state(self, projection_state::rebuilding);
  } else if (r.reset_to) {
    s.cfg.log->info("mink projection {}: reset to position {}", s.name,
                 *r.reset_to);
    if (auto err = s.checkpoints->complete_request(s.name, *r.reset_to)) {
      set_error(self, "reset failed: " + to_text(err));
      return false;
    }
    s.from_store = true;
    s.rebuild_until = 0;
    s.failing_position = 0;
    s.attempts = 0;
    set_error(self, {});
    set_position(self, *r.reset_to);
    set_state(self, projection_state::catching_up);
  } else if (r.position != s.position) {
    s.cfg.log->warn("mink projection {}: checkpoint moved from {} to {} outside "
                 "this runner",
                 s.name, s.position, r.position);
    set_position(self, r.position);
    s.from_store = true;
  }
  // Dead letters an operator asked to apply again.
  if (auto letters = s.checkpoints->dead_letters(s.name, 100)) {
    for (auto& letter : *letters) {
      if (!letter.replay_requested)
        continue;
      auto ev = s.store->read_all(letter.position, 1);
      if (!ev || ev->empty() || ev->front().global_position != letter.position)
        continue;
      auto err = s.target->replay(s.position, ev->front());
      s.cfg.log->info("mink projection {}: replayed the dead letter at {}: {}",
                   s.name, letter.position, err ? to_text(err) : "applied");
    }
  }
  if (s.state == projection_state::faulted)
    return false;
  if (s.desired == projection_desired::paused) {
    set_state(self, projection_state::paused);
    return false;
  }
  if (s.state == projection_state::paused) {
    // Resumed: read from the store what came meanwhile; the read says
    // `running` once caught up, even when nothing came.
    s.from_store = true;
    set_state(self, s.position < s.rebuild_until ? projection_state::rebuilding
                                                 : projection_state::catching_up);
  }
  return true;
}

/// Takes the lease when this runner does not hold it. Returns whether it
/// holds it now.
bool lead(runner_self self) {
  auto& s = self->state;
  if (s.lease) {
    auto now = clock_type::now();
    if (now < s.next_lease_check)
      return true;
    s.next_lease_check = now + s.cfg.control_interval;
    if (s.lease->held())
      return true;
    lose_lead(self, make_error(errc::store_unavailable, "lease lost"));
  }
  auto rec = s.checkpoints->ensure(s.name);
  if (!rec) {
    s.cfg.log->warn("mink projection {}: cannot read its record: {}", s.name,
                 to_text(rec.error()));
    return false;
  }
  auto lease = s.cfg.lead ? s.cfg.lead(s.name) : s.checkpoints->try_lead(s.name);
  if (!lease) {
    s.cfg.log->warn("mink projection {}: cannot try to take its lease: {}",
                 s.name, to_text(lease.error()));
    return false;
  }
  if (!*lease) {
    s.status->add_lease_refusal();
    return false;
  }
  // The record as it is now that no one else can move it.
  rec = s.checkpoints->ensure(s.name);
  if (!rec) {
    s.cfg.log->warn("mink projection {}: cannot read its record: {}", s.name,
                 to_text(rec.error()));
    return false;
  }
  if (auto err = s.target->setup()) {
    set_error(self, "setup failed: " + to_text(err));
    s.cfg.log->error("mink projection {}: setup failed: {}", s.name, to_text(err));
    return false;
  }
  s.lease = std::move(*lease);
  s.next_lease_check = clock_type::now() + s.cfg.control_interval;
  s.status->set_leader(true);
  set_position(self, rec->position);
  s.from_store = true;
  s.next_control = {};
  // A fault is not sticky across runners: try again from the checkpoint.
  s.state = projection_state::stopped;
  s.cfg.log->info("mink projection {}: running here from position {}", s.name,
               rec->position);
  set_state(self, projection_state::catching_up);
  return true;
}

} // namespace mink::detail
