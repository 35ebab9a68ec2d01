#include "mink/actors/projection_runner.hpp"

#include <algorithm>
#include <future>
#include <iterator>
#include <utility>
#include <vector>

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "mink/actors/atoms.hpp"
#include "mink/actors/detail/projection_runner_state.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/errc.hpp"
#include "mink/footprint.hpp"

namespace mink {

namespace {

using detail::clock_type;
using detail::lead;
using detail::obey_controls;
using detail::prefetch;
using detail::process;
using detail::read_result;
using detail::report;
using detail::runner_self;
using detail::set_error;
using detail::set_state;
using detail::watch_head;

void schedule(runner_self self,
              std::chrono::milliseconds delay = std::chrono::milliseconds{0}) {
  auto gen = ++self->state.step_generation;
  if (delay.count() <= 0)
    self->send(self, step_atom::value, gen);
  else
    self->delayed_send(self, delay, step_atom::value, gen);
}

/// Reads the batch after the checkpoint: the prefetched one when it starts
/// there (a failure, reset or rebuild since moved the checkpoint elsewhere),
/// otherwise from the store now. Sets `limit` to the most events it asked
/// for.
read_result read_batch(runner_self self, size_t& limit) {
  auto& s = self->state;
  if (s.next) {
    auto next = std::move(*s.next);
    s.next.reset();
    auto events = next.events.get();
    if (next.from == s.position + 1 && events) {
      limit = next.limit;
      return events;
    }
  }
  limit = catchup_limit(s.cfg, s.event_bytes);
  return read_catchup(*s.store, s.position + 1, limit, s.cfg.read_page,
                      std::move(s.spare));
}

/// Remembers the average footprint of `events`, which sizes the next batch.
void measure(runner_self self, const std::vector<recorded_event>& events) {
  if (events.empty())
    return;
  size_t total = 0;
  for (const auto& ev : events)
    total += footprint(ev);
  self->state.event_bytes = total / events.size();
}

/// What is left of `linger` after `started`, in whole milliseconds.
std::chrono::milliseconds linger_left(std::chrono::milliseconds linger,
                                      clock_type::time_point started) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
    started + linger - clock_type::now());
  return std::max(left, std::chrono::milliseconds{0});
}

void step(runner_self self) {
  auto& s = self->state;
  if (s.awaiting_feed)
    return;
  if (!lead(self))
    return schedule(self, s.cfg.lead_retry);
  if (!obey_controls(self)) {
    // Paused or faulted: it applies nothing, but still tells how far
    // behind it is, so that lag alerts fire.
    watch_head(self);
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
    size_t limit = 0;
    auto events = read_batch(self, limit);
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
    auto full = events->size() == limit;
    measure(self, *events);
    if (full && s.state != projection_state::faulted) {
      set_state(self, s.position < s.rebuild_until
                        ? projection_state::rebuilding
                        : projection_state::catching_up);
      auto from = events->back().global_position + 1;
      auto n = catchup_limit(s.cfg, s.event_bytes);
      s.next = prefetch{from, n,
                        std::async(std::launch::async,
                                   [store = s.store, from, n,
                                    page = s.cfg.read_page,
                                    buffer = std::move(s.spare)]() mutable {
                                     return read_catchup(*store, from, n,
                                                         page,
                                                         std::move(buffer));
                                   })};
    }
    process(self, *events);
    auto none = events->empty();
    events->clear();
    s.spare = std::move(*events);
    if (!full && s.feed)
      s.from_store = false;
    if (s.state == projection_state::faulted || !s.lease)
      return schedule(self, s.cfg.control_interval);
    if (!full && s.position >= s.rebuild_until && s.failing_position == 0)
      set_state(self, projection_state::running);
    if (none && !s.feed)
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
          auto started = clock_type::now();
          process(self, batch.events);
          if (s.state != projection_state::faulted && s.lease
              && s.position >= s.rebuild_until)
            set_state(self, projection_state::running);
          // Let the next batch gather what arrives meanwhile.
          if (s.cfg.live_linger.count() > 0)
            return schedule(self, linger_left(s.cfg.live_linger, started));
        }
        schedule(self);
      },
      [=](caf::error& err) {
        auto& s = self->state;
        s.awaiting_feed = false;
        s.cfg.log->warn("mink projection {}: the feed failed, reading the store: "
                     "{}",
                     s.name, to_text(err));
        s.from_store = true;
        schedule(self, s.cfg.store_retry);
      });
}

projection_runner_actor::behavior_type runner_impl(runner_self self,
                                                   detail::runner_inputs in) {
  auto& s = self->state;
  static_cast<detail::runner_inputs&>(s) = std::move(in);
  s.name = s.target->get().name();
  s.filter = s.target->get().filter();
  s.policy = s.target->get().policy();
  s.cfg.log = or_default(std::move(s.cfg.log));
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

size_t catchup_limit(const runner_config& cfg, size_t event_bytes) noexcept {
  auto each = event_bytes > 0 ? event_bytes : cfg.initial_event_bytes;
  auto fit = each > 0 ? cfg.catchup_bytes / each : cfg.catchup_batch;
  return std::max<size_t>(1, std::min(fit, cfg.catchup_batch));
}

caf::expected<std::vector<recorded_event>>
read_catchup(event_store& store, int64_t from, size_t limit, size_t page,
             std::vector<recorded_event> buffer) {
  if (page == 0 || page >= limit)
    return store.read_all(from, limit);
  auto out = std::move(buffer);
  out.clear();
  while (out.size() < limit) {
    auto n = std::min(page, limit - out.size());
    auto part = store.read_all(from, n);
    if (!part)
      return std::move(part.error());
    auto more = part->size() == n;
    if (out.empty()) {
      if (!more)
        return part;
      out.reserve(limit);
    }
    std::move(part->begin(), part->end(), std::back_inserter(out));
    if (!more)
      break;
    from = out.back().global_position + 1;
  }
  return out;
}

projection_runner_actor spawn_projection_runner(caf::actor_system& sys,
                                   std::unique_ptr<projection_target> target,
                                   std::shared_ptr<event_store> store,
                                   std::shared_ptr<checkpoint_store> checkpoints,
                                   feed_actor feed,
                                   std::shared_ptr<projection_status> status,
                                   runner_config cfg) {
  detail::runner_inputs in{std::move(target), std::move(store),
                           std::move(checkpoints), std::move(feed),
                           std::move(status), std::move(cfg)};
  return sys.spawn<caf::detached>(runner_impl, std::move(in));
}

} // namespace mink
