// The feed, projection runners and the engine on the memory store.

#include <boost/test/unit_test.hpp>

#include "projection_fixture.hpp"

#include "mink/actors/live_subscription.hpp"
#include "mink/actors/projection_runner.hpp"
#include "mink/footprint.hpp"

using namespace mink;
using namespace mink::testing;
using namespace std::chrono_literals;

namespace {

/// Records the positions and the footprint of every batch it is given.
class batch_probe : public async_projection {
public:
  std::string name() const override { return "probe"; }

  caf::error handle(const std::vector<recorded_event>& events) override {
    std::lock_guard<std::mutex> guard{mtx_};
    size_t bytes = 0;
    for (const auto& ev : events) {
      bytes += footprint(ev);
      largest_event_ = std::max(largest_event_, footprint(ev));
      positions_.push_back(ev.global_position);
    }
    batch_bytes_.push_back(bytes);
    return {};
  }

  std::vector<size_t> batch_bytes() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return batch_bytes_;
  }

  std::vector<int64_t> positions() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return positions_;
  }

  size_t largest_event() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return largest_event_;
  }

private:
  mutable std::mutex mtx_;
  std::vector<size_t> batch_bytes_;
  std::vector<int64_t> positions_;
  size_t largest_event_ = 0;
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(projections, projection_fixture)

BOOST_AUTO_TEST_CASE(catch_up_passes_seamlessly_to_live_events) {
  // 3000 stored before the projection starts: it catches up from the
  // store, then takes live events from the feed.
  auto first = append_directly(3000);
  BOOST_REQUIRE_EQUAL(first, 3000);
  rcfg.catchup_batch = 700; // several catch-up batches
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  auto p = std::make_shared<recording_projection>("recorder");
  BOOST_REQUIRE(!engine.add(p));
  // Live writes while it catches up, and after.
  auto last = append_via_writer(2000);
  last = std::max(last, append_via_writer(2000));
  BOOST_REQUIRE_EQUAL(last, 7000);
  BOOST_REQUIRE(!engine.wait_for("recorder", last, 30s));
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
  auto rec = checkpoints->load("recorder");
  BOOST_REQUIRE(rec && *rec);
  BOOST_CHECK_EQUAL((*rec)->position, last);
  auto st = engine.status("recorder");
  BOOST_REQUIRE(st);
  // The batch that reached the head may have been a catch-up batch: the
  // runner says `running` at its next step.
  BOOST_CHECK(eventually([&] {
    return st->state() == projection_state::running && st->lag_events() == 0;
  }));
}

BOOST_AUTO_TEST_CASE(live_batches_gather_what_arrives_while_the_runner_lingers) {
  // A long linger, so that the test does not depend on the machine's speed.
  rcfg.live_linger = 3s;
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  auto p = std::make_shared<batch_probe>();
  BOOST_REQUIRE(!engine.add(p));
  auto st = engine.status("probe");
  BOOST_REQUIRE(st);
  BOOST_REQUIRE(eventually([&] { return st->state() == projection_state::running; }));
  // The first event after a quiet spell is applied at once, well within
  // the linger.
  auto first = append_via_writer(1);
  BOOST_REQUIRE(!engine.wait_for("probe", first, 2s));
  BOOST_CHECK_EQUAL(p->batch_bytes().size(), 1u);
  // Twenty commits one after another: without the linger each would be a
  // batch of its own; with it they wait in the feed for the next batch.
  int64_t last = 0;
  for (int i = 0; i < 20; ++i)
    last = append_via_writer(1);
  BOOST_REQUIRE(!engine.wait_for("probe", last, 30s));
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
  BOOST_CHECK_LE(p->batch_bytes().size(), 3u);
}

BOOST_AUTO_TEST_CASE(catch_up_limit_fits_the_memory_budget) {
  runner_config cfg;
  cfg.catchup_batch = 1000;
  cfg.catchup_bytes = 100000;
  cfg.initial_event_bytes = 500;
  BOOST_CHECK_EQUAL(catchup_limit(cfg, 0), 200u);   // nothing read yet
  BOOST_CHECK_EQUAL(catchup_limit(cfg, 1000), 100u);
  BOOST_CHECK_EQUAL(catchup_limit(cfg, 10), 1000u); // at most catchup_batch
  BOOST_CHECK_EQUAL(catchup_limit(cfg, 1000000), 1u); // at least one
  cfg.catchup_batch = 0;
  BOOST_CHECK_EQUAL(catchup_limit(cfg, 10), 1u);
}

BOOST_AUTO_TEST_CASE(catch_up_batches_stay_within_the_memory_budget) {
  // A budget of a few dozen events and a count limit far above it: the
  // budget must size the batches.
  auto last = append_directly(3000);
  rcfg.catchup_batch = 100000;
  rcfg.catchup_bytes = 32 * 1024;
  projection_engine engine{*sys, store, checkpoints, {}, rcfg};
  auto p = std::make_shared<batch_probe>();
  BOOST_REQUIRE(!engine.add(p));
  BOOST_REQUIRE(!engine.wait_for("probe", last, 30s));
  engine.stop();
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
  auto batches = p->batch_bytes();
  BOOST_CHECK_GT(batches.size(), 3000 * p->largest_event() / (32 * 1024));
  // The events are alike, so a batch sized by the one before fits.
  for (auto bytes : batches)
    BOOST_CHECK_LE(bytes, rcfg.catchup_bytes + p->largest_event());
}

BOOST_AUTO_TEST_CASE(events_of_other_processes_arrive_and_gaps_are_filled) {
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  auto p = std::make_shared<recording_projection>("recorder");
  BOOST_REQUIRE(!engine.add(p));
  // Alternate: direct writes (only the poll or a gap reveals them) and
  // writes through the persistence actor (published to the feed).
  int64_t last = 0;
  for (int round = 0; round < 20; ++round) {
    last = append_directly(7, "other-" + std::to_string(round));
    last = std::max(last, append_via_writer(50));
  }
  // A direct write with nothing after it: the poll alone must find it.
  last = append_directly(3);
  BOOST_REQUIRE(!engine.wait_for("recorder", last, 30s));
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
}

BOOST_AUTO_TEST_CASE(a_slow_subscriber_behind_the_memory_window_loses_nothing) {
  // A feed that keeps 100 events: the slow projection falls out of the
  // window and must read the store to catch up.
  caf::anon_send_exit(writer.actor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
  feed_config small;
  small.max_cached_events = 100;
  feed = spawn_feed(*sys, store, small);
  persistence_config pcfg;
  pcfg.feed = feed;
  writer = spawn_persistence(*sys, store, pcfg);
  rcfg.live_batch = 50;
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  auto slow = std::make_shared<recording_projection>("slow");
  slow->delay = 20ms;
  auto fast = std::make_shared<recording_projection>("fast");
  BOOST_REQUIRE(!engine.add(slow));
  BOOST_REQUIRE(!engine.add(fast));
  int64_t last = 0;
  for (int i = 0; i < 10; ++i)
    last = std::max(last, append_via_writer(300));
  BOOST_REQUIRE(!engine.wait_for("fast", last, 30s));
  BOOST_REQUIRE(!engine.wait_for("slow", last, 20s));
  BOOST_CHECK(is_dense_from_one(fast->positions(), last));
  BOOST_CHECK(is_dense_from_one(slow->positions(), last));
}

BOOST_AUTO_TEST_CASE(live_subscription_starts_at_a_given_position) {
  auto last = append_directly(500);
  std::mutex mtx;
  std::vector<recorded_event> seen;
  auto sub = subscribe_live(
    *sys, store, feed, 200,
    [&](const std::vector<recorded_event>& events) -> caf::error {
      std::lock_guard<std::mutex> guard{mtx};
      seen.insert(seen.end(), events.begin(), events.end());
      return {};
    },
    {}, rcfg);
  last = std::max(last, append_via_writer(300));
  BOOST_REQUIRE(sub.status->wait_for(last, 30s));
  caf::anon_send_exit(sub.actor, caf::exit_reason::user_shutdown);
  std::lock_guard<std::mutex> guard{mtx};
  BOOST_REQUIRE_EQUAL(seen.size(), static_cast<size_t>(last - 200));
  // Events from the store (catch-up) and from the feed (the writer's
  // batches) carry the same content as the store holds.
  auto stored = store->read_all(201, seen.size());
  BOOST_REQUIRE(stored);
  BOOST_REQUIRE_EQUAL(stored->size(), seen.size());
  for (size_t i = 0; i < seen.size(); ++i) {
    const auto& got = seen[i];
    const auto& want = (*stored)[i];
    BOOST_REQUIRE_EQUAL(got.global_position, static_cast<int64_t>(201 + i));
    BOOST_REQUIRE_EQUAL(got.event_id, want.event_id);
    BOOST_REQUIRE_EQUAL(got.stream_id, want.stream_id);
    BOOST_REQUIRE_EQUAL(got.stream_version, want.stream_version);
    BOOST_REQUIRE_EQUAL(got.type, want.type);
    BOOST_REQUIRE_EQUAL(got.schema_version, want.schema_version);
    BOOST_REQUIRE_EQUAL(got.data, want.data);
    BOOST_REQUIRE_EQUAL(got.meta.correlation_id, want.meta.correlation_id);
    BOOST_REQUIRE(!got.type.empty());
  }
}

BOOST_AUTO_TEST_CASE(skip_policy_parks_the_poison_event_and_goes_on) {
  auto p = poisoned_at("skipper", policy_of(error_action::skip), 42);
  auto healthy = std::make_shared<recording_projection>("healthy");
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  BOOST_REQUIRE(!engine.add(p));
  BOOST_REQUIRE(!engine.add(healthy));
  auto last = append_via_writer(100);
  BOOST_REQUIRE(!engine.wait_for("skipper", last, 30s));
  auto got = p->positions();
  BOOST_CHECK_EQUAL(got.size(), static_cast<size_t>(last - 1));
  BOOST_CHECK(std::find(got.begin(), got.end(), 42) == got.end());
  auto letters = checkpoints->dead_letters("skipper", 10);
  BOOST_REQUIRE(letters);
  BOOST_REQUIRE_EQUAL(letters->size(), 1u);
  BOOST_CHECK_EQUAL(letters->front().position, 42);
  BOOST_CHECK(letters->front().error.find("poison at 42") != std::string::npos);
  BOOST_CHECK_EQUAL(engine.status("skipper")->dead_letters(), 1u);
  // Replay, from the store's controls, once the handler is fixed.
  p->poisoned = false;
  BOOST_REQUIRE(!checkpoints->request_replay("skipper", 42));
  BOOST_REQUIRE(eventually([&] {
    auto xs = checkpoints->dead_letters("skipper", 10);
    return xs && xs->empty();
  }));
  got = p->positions();
  BOOST_CHECK_EQUAL(std::count(got.begin(), got.end(), 42), 1);
  BOOST_CHECK(is_dense_from_one(healthy->positions(), last));
}

BOOST_AUTO_TEST_CASE(fault_policy_stops_that_projection_only) {
  auto p = poisoned_at("fragile", policy_of(error_action::fault), 10);
  auto healthy = std::make_shared<recording_projection>("healthy");
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  BOOST_REQUIRE(!engine.add(p));
  BOOST_REQUIRE(!engine.add(healthy));
  auto last = append_via_writer(50);
  BOOST_REQUIRE(!engine.wait_for("healthy", last, 30s));
  auto st = engine.status("fragile");
  BOOST_REQUIRE(eventually([&] { return st->state() == projection_state::faulted; }));
  BOOST_CHECK_EQUAL(st->position(), 9);
  BOOST_CHECK(st->last_error().find("position 10") != std::string::npos);
  BOOST_CHECK(is_dense_from_one(p->positions(), 9));
  // Stored for operators too.
  BOOST_REQUIRE(eventually([&] {
    auto rec = checkpoints->load("fragile");
    return rec && *rec && (*rec)->state == projection_state::faulted
           && !(*rec)->last_error.empty();
  }));
  // A reset moves it on.
  p->poisoned = false;
  BOOST_REQUIRE(!checkpoints->request_reset("fragile", 9));
  BOOST_REQUIRE(!engine.wait_for("fragile", last, 30s));
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
}

BOOST_AUTO_TEST_CASE(retry_policy_backs_off_then_applies_its_fallback) {
  auto policy = policy_of(error_action::retry);
  policy.max_attempts = 3;
  policy.initial_backoff = 10ms;
  policy.then = error_action::skip;
  auto p = poisoned_at("retrier", policy, 5);
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  BOOST_REQUIRE(!engine.add(p));
  auto last = append_via_writer(20);
  BOOST_REQUIRE(!engine.wait_for("retrier", last, 30s));
  auto st = engine.status("retrier");
  BOOST_CHECK_EQUAL(st->retries(), 2u); // attempts 1 and 2 retried, 3 skipped
  BOOST_CHECK_EQUAL(st->dead_letters(), 1u);
  BOOST_CHECK_EQUAL(p->positions().size(), static_cast<size_t>(last - 1));
}

BOOST_AUTO_TEST_CASE(a_transient_failure_is_retried_and_applied_once) {
  auto p = flaky_at("flaky", 3, 2);
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  BOOST_REQUIRE(!engine.add(p));
  auto last = append_via_writer(10);
  BOOST_REQUIRE(!engine.wait_for("flaky", last, 30s));
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
  BOOST_CHECK_EQUAL(engine.status("flaky")->dead_letters(), 0u);
}

// A handler's own conflict (a saga's command on a contended aggregate) is
// a failure of that event, under the projection's policy; only the
// checkpoint's conflict means another runner took the projection over.
BOOST_AUTO_TEST_CASE(a_conflict_of_the_handler_is_retried_not_a_lost_lead) {
  auto p = flaky_at("saga_like", 3, 2);
  p->poison_error = errc::wrong_expected_version;
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  BOOST_REQUIRE(!engine.add(p));
  auto last = append_via_writer(10);
  BOOST_REQUIRE(!engine.wait_for("saga_like", last, 30s));
  BOOST_CHECK(is_dense_from_one(p->positions(), last));
  auto st = engine.status("saga_like");
  BOOST_CHECK_GE(st->retries(), 1u); // under its policy, not given up
  // Still this runner's: giving it up would stop it (state `stopped`, no
  // lead); it may be running or, after the retry, still catching up.
  BOOST_CHECK(st->leader());
  BOOST_CHECK(st->state() == projection_state::running
              || st->state() == projection_state::catching_up);
}

BOOST_AUTO_TEST_CASE(pause_resume_reset_and_rebuild_are_obeyed) {
  int64_t last = 0;
  auto c = start_controlled("controlled", 100, last);
  // Pause: the runner acknowledges it, here and in the store.
  c.control(projection_desired::paused, projection_state::paused);
  auto paused_at = c.st->position();
  // New events are not applied: the runner sees them (its head and its
  // reported lag move) and leaves them, report after report.
  last = append_via_writer(100);
  BOOST_REQUIRE(eventually([&] { return c.st->head() == last; }));
  BOOST_REQUIRE(c.stored([&](const projection_record& r) {
    return r.lag_events == last - paused_at;
  }));
  BOOST_CHECK_EQUAL(c.st->position(), paused_at);
  BOOST_CHECK_EQUAL(c.p->positions().size(), static_cast<size_t>(paused_at));
  // Resume.
  BOOST_REQUIRE(!c.ctl->set_desired(c.name, projection_desired::running));
  BOOST_REQUIRE(!c.engine->wait_for(c.name, last, 30s));
  BOOST_CHECK(is_dense_from_one(c.p->positions(), last));
  // Reset to 150: events 151.. are applied again.
  BOOST_REQUIRE(!c.ctl->request_reset(c.name, 150));
  BOOST_REQUIRE(eventually([&] {
    return c.p->positions().size() == static_cast<size_t>(last + last - 150);
  }));
  // Rebuild: cleared, then every event once.
  BOOST_REQUIRE(!c.ctl->request_rebuild(c.name));
  BOOST_REQUIRE(eventually([&] { return c.p->clears.load() == 1; }));
  BOOST_REQUIRE(!c.engine->wait_for(c.name, last, 30s));
  BOOST_REQUIRE(eventually([&] {
    return c.p->positions().size() == static_cast<size_t>(last);
  }));
  BOOST_CHECK(is_dense_from_one(c.p->positions(), last));
  BOOST_CHECK(c.stored([](const projection_record& r) {
    return !r.rebuild_requested && !r.reset_to;
  }));
}

BOOST_AUTO_TEST_CASE(a_projection_resumed_with_nothing_new_runs_again) {
  // Found by the dashboard's test: with no event after the pause, the
  // runner applied nothing after resuming and kept saying `paused`.
  int64_t last = 0;
  auto c = start_controlled("idle_controlled", 10, last);
  c.control(projection_desired::paused, projection_state::paused);
  c.control(projection_desired::running, projection_state::running);
  // And it applies what comes next.
  last = append_via_writer(5);
  BOOST_REQUIRE(!c.engine->wait_for(c.name, last, 30s));
  BOOST_CHECK(is_dense_from_one(c.p->positions(), last));
}

BOOST_AUTO_TEST_CASE(a_paused_projection_still_reports_head_position_and_lag) {
  int64_t applied = 0;
  auto c = start_controlled("watched", 50, applied);
  c.control(projection_desired::paused, projection_state::paused);
  // Events from this process (the feed hears of them) and from another
  // (only the store knows them) while it is paused.
  auto last = append_via_writer(30);
  last = std::max(last, append_directly(20));
  auto behind = last - applied;
  // The process's status: head, position and both lags.
  const auto& st = *c.st;
  BOOST_CHECK(eventually([&] {
    return st.head() == last && st.position() == applied
           && st.lag_events() == behind && st.lag_seconds() > 0;
  }));
  BOOST_CHECK(st.state() == projection_state::paused);
  // The checkpoint store's record, which alerts and the CLI read.
  BOOST_CHECK(c.stored([&](const projection_record& r) {
    return r.state == projection_state::paused && r.position == applied
           && r.lag_events == behind && r.lag_seconds > 0;
  }));
  BOOST_CHECK_EQUAL(c.p->positions().size(), static_cast<size_t>(applied));
  // Resumed, it catches up and the lag goes back to 0.
  BOOST_REQUIRE(!c.ctl->set_desired(c.name, projection_desired::running));
  BOOST_REQUIRE(!c.engine->wait_for(c.name, last, 30s));
  BOOST_CHECK(eventually([&] {
    return st.lag_events() == 0 && st.lag_seconds() == 0;
  }));
}

BOOST_AUTO_TEST_CASE(one_runner_per_projection_and_takeover) {
  // Two engines (as two processes would) on shared checkpoint storage:
  // only one runs the projection; when it stops, the other takes over.
  auto shared = std::shared_ptr<checkpoint_store>{checkpoints->share()};
  auto first = std::make_unique<projection_engine>(*sys, store, checkpoints,
                                                   feed, rcfg);
  projection_engine second{*sys, store, shared, feed, rcfg};
  auto p1 = std::make_shared<recording_projection>("single");
  auto p2 = std::make_shared<recording_projection>("single");
  BOOST_REQUIRE(!first->add(p1));
  BOOST_REQUIRE(eventually([&] { return first->status("single")->leader(); }));
  BOOST_REQUIRE(!second.add(p2));
  auto last = append_via_writer(100);
  BOOST_REQUIRE(!first->wait_for("single", last, 30s));
  BOOST_CHECK(!second.status("single")->leader());
  BOOST_CHECK(p2->positions().empty());
  first.reset();
  last = append_via_writer(100);
  BOOST_REQUIRE(!second.wait_for("single", last, 30s));
  BOOST_CHECK(second.status("single")->leader());
  // Together they applied every event exactly once.
  auto all = p1->positions();
  auto more = p2->positions();
  all.insert(all.end(), more.begin(), more.end());
  BOOST_CHECK(is_dense_from_one(all, last));
}

BOOST_AUTO_TEST_CASE(read_your_writes_times_out_cleanly) {
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  auto p = std::make_shared<recording_projection>("reader");
  BOOST_REQUIRE(!engine.add(p));
  auto err = engine.wait_for("reader", 1000000, 100ms);
  BOOST_CHECK_EQUAL(code_of(err), errc::timeout);
  BOOST_CHECK_EQUAL(code_of(engine.wait_for("nope", 1, 10ms)),
                    errc::projection_not_found);
  BOOST_CHECK_EQUAL(code_of(engine.add(std::make_shared<recording_projection>("reader"))),
                    errc::invalid_argument);
}

BOOST_AUTO_TEST_CASE(bad_requests_are_refused_and_store_nothing) {
  caf::scoped_actor self{*sys};
  for (auto [from, max] : {std::pair<int64_t, uint32_t>{0, 10}, {-5, 10}, {1, 0}})
    self->request(feed, caf::infinite, next_atom::value, from, max)
      .receive([&](feed_batch&) { BOOST_ERROR("feed answered a bad request"); },
               [&](caf::error& err) {
                 BOOST_CHECK_EQUAL(code_of(err), errc::invalid_argument);
               });
  projection_engine engine{*sys, store, checkpoints, feed, rcfg};
  for (auto name : {std::string{}, std::string(201, 'x'),
                    std::string{"bad\nname"}, std::string{"\xff\xfe"}})
    BOOST_CHECK_EQUAL(code_of(engine.add(
                        std::make_shared<recording_projection>(name))),
                      errc::invalid_argument);
  BOOST_CHECK_EQUAL(code_of(engine.add(std::shared_ptr<async_projection>{})),
                    errc::invalid_argument);
  auto all = checkpoints->list();
  BOOST_REQUIRE(all);
  BOOST_CHECK(all->empty());
  BOOST_CHECK(engine.statuses().empty());
}

BOOST_AUTO_TEST_SUITE_END()
