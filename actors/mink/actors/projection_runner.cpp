#include "mink/actors/projection_runner.hpp"

#include <algorithm>
#include <future>
#include <optional>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "mink/actors/atoms.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/clock.hpp"
#include "mink/errc.hpp"
#include "mink/store/read_filter_match.hpp"

namespace mink {

namespace {

using clock_type = std::chrono::steady_clock;

using read_result = caf::expected<std::vector<recorded_event>>;

/// A store read running on another thread while the runner applies the
/// batch before it (catching up).
struct prefetch {
  /// The position the read starts at.
  int64_t from = 0;
  std::future<read_result> events;
};

struct runner_state {
  std::shared_ptr<projection_target> target;
  std::shared_ptr<event_store> store;
  std::shared_ptr<checkpoint_store> checkpoints;
  caf::actor feed;
  std::shared_ptr<projection_status> status;
  runner_config cfg;
  std::string name;
  read_filter filter;
  error_policy policy;

  std::unique_ptr<runner_lease> lease;
  /// The checkpoint, as this runner last moved or read it.
  int64_t position = 0;
  projection_state state = projection_state::stopped;
  projection_desired desired = projection_desired::running;
  std::string last_error;
  /// Read the store instead of asking the feed (catching up).
  bool from_store = true;
  /// A feed request is out; steps wait for its answer.
  bool awaiting_feed = false;
  /// Rebuilding until the position reaches this.
  int64_t rebuild_until = 0;
  /// The event that keeps failing, and how often it failed.
  int64_t failing_position = 0;
  int attempts = 0;
  clock_type::time_point retry_due;
  clock_type::time_point next_control;
  clock_type::time_point next_report;
  /// Only the step message of the latest generation runs.
  uint64_t step_generation = 0;
  /// The next batch, read while the current one is applied.
  std::optional<prefetch> next;
};

using runner_actor = caf::stateful_actor<runner_state>;

void schedule(runner_actor* self,
              std::chrono::milliseconds delay = std::chrono::milliseconds{0}) {
  auto gen = ++self->state.step_generation;
  if (delay.count() <= 0)
    self->send(self, step_atom::value, gen);
  else
    self->delayed_send(self, delay, step_atom::value, gen);
}

void report(runner_actor* self, bool force = false) {
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
    spdlog::warn("mink projection {}: cannot report its state: {}", s.name,
                 to_text(err));
}

void set_state(runner_actor* self, projection_state x) {
  auto& s = self->state;
  if (s.state == x)
    return;
  spdlog::info("mink projection {}: {} -> {}", s.name, to_string(s.state),
               to_string(x));
  s.state = x;
  s.status->set_state(x);
  report(self, true);
}

void set_error(runner_actor* self, std::string what) {
  auto& s = self->state;
  // Each new error once in the log; repeats would flood it.
  if (!what.empty() && what != s.last_error)
    spdlog::warn("mink projection {}: {}", s.name, what);
  s.last_error = std::move(what);
  s.status->set_last_error(s.last_error);
}

void set_position(runner_actor* self, int64_t x) {
  auto& s = self->state;
  s.position = x;
  s.status->set_position(x);
}

/// Infrastructure errors are retried without end; they say nothing about
/// the event.
bool is_store_error(const caf::error& err) {
  auto code = code_of(err);
  return code == errc::store_unavailable || code == errc::timeout
         || code == errc::storage_failure;
}

/// Gives the projection up: another runner moved its checkpoint.
void lose_lead(runner_actor* self, const caf::error& err) {
  auto& s = self->state;
  spdlog::warn("mink projection {}: giving it up: {}", s.name, to_text(err));
  s.lease.reset();
  s.status->set_leader(false);
  s.state = projection_state::stopped;
  s.status->set_state(projection_state::stopped);
}

/// Applies the error policy to `ev`, which failed with `err`. Returns true
/// when the runner may go on with the next event.
bool on_event_failure(runner_actor* self, const recorded_event& ev,
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
      spdlog::warn("mink projection {}: attempt {} of {} failed, retrying in "
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
    spdlog::warn("mink projection {}: parked {}", s.name, what);
    s.status->add_parked();
    s.failing_position = 0;
    s.attempts = 0;
    set_position(self, ev.global_position);
    return true;
  }
  spdlog::error("mink projection {}: faulted on {}", s.name, what);
  set_state(self, projection_state::faulted);
  report(self, true);
  return false;
}

/// Applies `events` (dense, from `position + 1`): as one batch, or, when
/// that fails, one event at a time to find the failing one.
void process(runner_actor* self, const std::vector<recorded_event>& events) {
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
  if (is_store_error(err)) {
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
    if (is_store_error(one_err)) {
      set_error(self, to_text(one_err));
      s.retry_due = clock_type::now() + s.cfg.store_retry;
      return;
    }
    if (!on_event_failure(self, ev, one_err))
      return;
  }
}

/// Reads the stored record and obeys it. Returns false when the runner
/// must not apply events now.
bool obey_controls(runner_actor* self) {
  auto& s = self->state;
  auto now = clock_type::now();
  if (now < s.next_control)
    return true;
  s.next_control = now + s.cfg.control_interval;
  auto rec = s.checkpoints->load(s.name);
  if (!rec || !*rec) {
    auto what = rec ? std::string{"its record is gone"} : to_text(rec.error());
    spdlog::warn("mink projection {}: cannot read its controls: {}", s.name,
                 what);
    return true;
  }
  auto& r = **rec;
  s.desired = r.desired;
  if (r.rebuild_requested) {
    spdlog::info("mink projection {}: rebuilding", s.name);
    if (auto err = s.target->rebuild(r.position)) {
      set_error(self, "rebuild failed: " + to_text(err));
      spdlog::error("mink projection {}: rebuild failed: {}", s.name,
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
    spdlog::info("mink projection {}: reset to position {}", s.name,
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
    spdlog::warn("mink projection {}: checkpoint moved from {} to {} outside "
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
      spdlog::info("mink projection {}: replayed the dead letter at {}: {}",
                   s.name, letter.position, err ? to_text(err) : "applied");
    }
  }
  if (s.state == projection_state::faulted)
    return false;
  if (s.desired == projection_desired::paused) {
    set_state(self, projection_state::paused);
    return false;
  }
  return true;
}

/// Takes the lease when this runner does not hold it. Returns whether it
/// holds it now.
bool lead(runner_actor* self) {
  auto& s = self->state;
  if (s.lease) {
    if (s.lease->held())
      return true;
    lose_lead(self, make_error(errc::store_unavailable, "lease lost"));
  }
  auto rec = s.checkpoints->ensure(s.name);
  if (!rec) {
    spdlog::warn("mink projection {}: cannot read its record: {}", s.name,
                 to_text(rec.error()));
    return false;
  }
  auto lease = s.checkpoints->try_lead(s.name);
  if (!lease) {
    spdlog::warn("mink projection {}: cannot try to take its lease: {}",
                 s.name, to_text(lease.error()));
    return false;
  }
  if (!*lease)
    return false;
  // The record as it is now that no one else can move it.
  rec = s.checkpoints->ensure(s.name);
  if (!rec) {
    spdlog::warn("mink projection {}: cannot read its record: {}", s.name,
                 to_text(rec.error()));
    return false;
  }
  if (auto err = s.target->setup()) {
    set_error(self, "setup failed: " + to_text(err));
    spdlog::error("mink projection {}: setup failed: {}", s.name, to_text(err));
    return false;
  }
  s.lease = std::move(*lease);
  s.status->set_leader(true);
  set_position(self, rec->position);
  s.from_store = true;
  s.next_control = {};
  // A fault is not sticky across runners: try again from the checkpoint.
  s.state = projection_state::stopped;
  spdlog::info("mink projection {}: running here from position {}", s.name,
               rec->position);
  set_state(self, projection_state::catching_up);
  return true;
}

/// Reads the batch after the checkpoint: the prefetched one when it starts
/// there (a failure, reset or rebuild since moved the checkpoint elsewhere),
/// otherwise from the store now.
read_result read_batch(runner_actor* self) {
  auto& s = self->state;
  if (s.next) {
    auto next = std::move(*s.next);
    s.next.reset();
    auto events = next.events.get();
    if (next.from == s.position + 1 && events)
      return events;
  }
  return s.store->read_all(s.position + 1, s.cfg.catchup_batch);
}

void step(runner_actor* self) {
  auto& s = self->state;
  if (s.awaiting_feed)
    return;
  if (!lead(self))
    return schedule(self, s.cfg.lead_retry);
  if (!obey_controls(self)) {
    report(self);
    return schedule(self, s.cfg.control_interval);
  }
  auto now = clock_type::now();
  if (now < s.retry_due) {
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
      s.retry_due - now);
    return schedule(self, std::min(wait + std::chrono::milliseconds{1},
                                   s.cfg.control_interval));
  }
  report(self);
  if (s.from_store || !s.feed) {
    auto events = read_batch(self);
    if (!events) {
      set_error(self, "cannot read events: " + to_text(events.error()));
      return schedule(self, s.cfg.store_retry);
    }
    if (events->empty()) {
      s.status->set_head(s.position);
      s.status->set_lag_seconds(0);
    }
    // A full batch means more are waiting: still catching up. Read the
    // next batch while this one is applied.
    auto full = events->size() == s.cfg.catchup_batch;
    if (full && s.state != projection_state::faulted) {
      set_state(self, s.position < s.rebuild_until
                        ? projection_state::rebuilding
                        : projection_state::catching_up);
      auto from = events->back().global_position + 1;
      s.next = prefetch{from, std::async(std::launch::async,
                                         [store = s.store, from,
                                          n = s.cfg.catchup_batch] {
                                           return store->read_all(from, n);
                                         })};
    }
    process(self, *events);
    if (!full && s.feed)
      s.from_store = false;
    if (s.state == projection_state::faulted || !s.lease)
      return schedule(self, s.cfg.control_interval);
    if (!full && s.position >= s.rebuild_until && s.failing_position == 0)
      set_state(self, projection_state::running);
    if (events->empty() && !s.feed)
      return schedule(self, s.cfg.idle_poll);
    return schedule(self);
  }
  s.awaiting_feed = true;
  self->request(s.feed, caf::infinite, next_atom::value, s.position + 1,
                s.cfg.live_batch)
    .then(
      [=](feed_batch& batch) {
        auto& s = self->state;
        s.awaiting_feed = false;
        s.status->set_head(batch.head);
        if (batch.behind) {
          s.from_store = true;
        } else if (batch.events.empty()) {
          if (s.position >= batch.head)
            s.status->set_lag_seconds(0);
        } else if (batch.events.front().global_position == s.position + 1) {
          process(self, batch.events);
          if (s.state != projection_state::faulted && s.lease
              && s.position >= s.rebuild_until)
            set_state(self, projection_state::running);
        }
        schedule(self);
      },
      [=](caf::error& err) {
        auto& s = self->state;
        s.awaiting_feed = false;
        spdlog::warn("mink projection {}: the feed failed, reading the store: "
                     "{}",
                     s.name, to_text(err));
        s.from_store = true;
        schedule(self, s.cfg.store_retry);
      });
}

caf::behavior runner_impl(runner_actor* self,
                          std::shared_ptr<projection_target> target,
                          std::shared_ptr<event_store> store,
                          std::shared_ptr<checkpoint_store> checkpoints,
                          caf::actor feed,
                          std::shared_ptr<projection_status> status,
                          runner_config cfg) {
  auto& s = self->state;
  s.name = target->get().name();
  s.filter = target->get().filter();
  s.policy = target->get().policy();
  s.target = std::move(target);
  s.store = std::move(store);
  s.checkpoints = std::move(checkpoints);
  s.feed = std::move(feed);
  s.status = std::move(status);
  s.cfg = std::move(cfg);
  // Shutting down: report `stopped` and give the lease up at once, so
  // another process takes over without waiting.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    auto& s = self->state;
    if (s.lease) {
      s.state = projection_state::stopped;
      s.status->set_state(projection_state::stopped);
      report(self, true);
      s.lease.reset();
      s.status->set_leader(false);
    }
    self->quit(msg.reason);
  });
  schedule(self);
  return {
    [=](step_atom, uint64_t generation) {
      if (generation == self->state.step_generation)
        step(self);
    },
  };
}

} // namespace

caf::actor spawn_projection_runner(caf::actor_system& sys,
                                   std::unique_ptr<projection_target> target,
                                   std::shared_ptr<event_store> store,
                                   std::shared_ptr<checkpoint_store> checkpoints,
                                   caf::actor feed,
                                   std::shared_ptr<projection_status> status,
                                   runner_config cfg) {
  std::shared_ptr<projection_target> shared{std::move(target)};
  return sys.spawn<caf::detached>(runner_impl, std::move(shared),
                                  std::move(store), std::move(checkpoints),
                                  std::move(feed), std::move(status),
                                  std::move(cfg));
}

} // namespace mink
