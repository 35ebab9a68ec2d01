#pragma once

// Fixture of the feed and projection tests: an actor system, a memory
// store, the feed, and the persistence actor publishing to it.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>

#include "mink/errc.hpp"

#include "actor_fixture.hpp" // operator<< for errc
#include "mink/actors/atoms.hpp"
#include "mink/actors/feed.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/memory/memory_checkpoint_store.hpp"
#include "mink/adapters/memory/memory_event_store.hpp"

namespace mink::testing {

/// Records every event it is given; fails on the events `poison` names
/// (while `poisoned` is set), and sleeps `delay` per batch.
class recording_projection : public async_projection {
public:
  explicit recording_projection(std::string name, error_policy policy = {})
    : name_(std::move(name)), policy_(policy) {
    // nop
  }

  std::string name() const override { return name_; }

  error_policy policy() const override { return policy_; }

  caf::error handle(const std::vector<recorded_event>& events) override {
    if (delay.count() > 0)
      std::this_thread::sleep_for(delay);
    for (const auto& ev : events)
      if (poisoned && poison && poison(ev)) {
        if (poison_error != errc::none)
          return make_error(poison_error,
                            "poison at " + std::to_string(ev.global_position));
        throw std::runtime_error("poison at " + std::to_string(ev.global_position));
      }
    std::lock_guard<std::mutex> guard{mtx_};
    for (const auto& ev : events)
      positions_.push_back(ev.global_position);
    return {};
  }

  caf::error clear() override {
    std::lock_guard<std::mutex> guard{mtx_};
    positions_.clear();
    ++clears;
    return {};
  }

  std::vector<int64_t> positions() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return positions_;
  }

  std::function<bool(const recorded_event&)> poison;
  std::atomic<bool> poisoned{true};
  /// Set: a poisoned event returns this error instead of throwing.
  errc poison_error = errc::none;
  std::chrono::milliseconds delay{0};
  std::atomic<int> clears{0};

private:
  std::string name_;
  error_policy policy_;
  mutable std::mutex mtx_;
  std::vector<int64_t> positions_;
};

/// A recording projection under `policy` whose handler fails at `position`.
inline std::shared_ptr<recording_projection>
poisoned_at(std::string name, error_policy policy, int64_t position) {
  auto p = std::make_shared<recording_projection>(std::move(name), policy);
  p->poison = [position](const recorded_event& ev) {
    return ev.global_position == position;
  };
  return p;
}

/// A recording projection (retry policy, 10 ms backoff) whose handler
/// fails the first `times` times it meets `position`.
inline std::shared_ptr<recording_projection>
flaky_at(std::string name, int64_t position, int times) {
  error_policy policy; // retry, 5 attempts
  policy.initial_backoff = std::chrono::milliseconds{10};
  auto p = std::make_shared<recording_projection>(std::move(name), policy);
  auto failures = std::make_shared<std::atomic<int>>(0);
  p->poison = [=](const recorded_event& ev) {
    return ev.global_position == position && failures->fetch_add(1) < times;
  };
  return p;
}

/// The default error policy, with `action`.
inline error_policy policy_of(error_action action) {
  error_policy p;
  p.action = action;
  return p;
}

/// Returns whether `xs` is exactly 1, 2, ..., n.
inline bool is_dense_from_one(const std::vector<int64_t>& xs, int64_t n) {
  if (static_cast<int64_t>(xs.size()) != n)
    return false;
  for (int64_t i = 0; i < n; ++i)
    if (xs[static_cast<size_t>(i)] != i + 1)
      return false;
  return true;
}

/// A recording projection that an engine of its own runs, caught up, and
/// the operator's handle on the checkpoints (another one, as the CLI's).
struct controlled_projection {
  std::string name;
  std::unique_ptr<projection_engine> engine;
  std::shared_ptr<recording_projection> p;
  std::shared_ptr<const projection_status> st;
  std::unique_ptr<checkpoint_store> ctl;

  /// Whether the stored record comes to satisfy `pred` (bounded wait).
  bool stored(const std::function<bool(const projection_record&)>& pred) {
    return eventually([&] {
      auto rec = ctl->load(name);
      return rec && *rec && pred(**rec);
    });
  }

  /// Asks for `desired` and waits until the runner and its stored record
  /// are in `expected`.
  void control(projection_desired desired, projection_state expected) {
    BOOST_REQUIRE(!ctl->set_desired(name, desired));
    BOOST_REQUIRE(eventually([&] { return st->state() == expected; }));
    BOOST_REQUIRE(
      stored([&](const projection_record& r) { return r.state == expected; }));
  }
};

struct projection_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  std::shared_ptr<memory_event_store> store;
  std::shared_ptr<memory_checkpoint_store> checkpoints;
  feed_actor feed;
  persistence writer;
  runner_config rcfg;

  explicit projection_fixture(feed_config fcfg = {}) {
    cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(cfg);
    store = std::make_shared<memory_event_store>();
    checkpoints = std::make_shared<memory_checkpoint_store>();
    feed = spawn_feed(*sys, store, fcfg);
    persistence_config pcfg;
    pcfg.feed = feed;
    writer = spawn_persistence(*sys, store, pcfg);
    rcfg.control_interval = std::chrono::milliseconds{20};
    rcfg.lead_retry = std::chrono::milliseconds{20};
    rcfg.report_interval = std::chrono::milliseconds{50};
  }

  ~projection_fixture() {
    caf::anon_send_exit(writer.actor, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(feed, caf::exit_reason::user_shutdown);
  }

  static stream_append events_for(const std::string& stream, int n) {
    stream_append sa;
    sa.stream_id = stream;
    sa.expected = expected_version::any();
    for (int i = 0; i < n; ++i) {
      event_data e;
      e.type = "noted";
      e.data = R"({"n":)" + std::to_string(i) + "}";
      sa.events.push_back(std::move(e));
    }
    return sa;
  }

  /// Appends through the persistence actor (which publishes to the feed)
  /// `count` single-event appends spread over `streams` streams, all in
  /// flight at once; returns the highest position.
  int64_t append_via_writer(int count, int streams = 10) {
    caf::scoped_actor self{*sys};
    for (int i = 0; i < count; ++i) {
      auto reserved = writer.try_reserve(
        events_for("note-" + std::to_string(i % streams), 1));
      BOOST_REQUIRE(reserved);
      self->send(writer.actor, append_atom::value, std::move(*reserved));
    }
    int64_t last = 0;
    int i = 0;
    self->receive_for(i, count)(
      [&](append_result& r) { last = std::max(last, r.positions.back()); },
      [&](caf::error& err) { BOOST_FAIL("append failed: " << to_text(err)); });
    return last;
  }

  /// Appends straight to the store, as another process would: the feed
  /// hears of it only by polling or by a gap.
  int64_t append_directly(int count, const std::string& stream = "other-1") {
    auto res = store->append(stream, expected_version::any(),
                             events_for(stream, count).events);
    if (!res)
      BOOST_FAIL("append failed: " << to_text(res.error()));
    return res->positions.back();
  }

  /// Starts projection `name`, appends `count` events through the writer
  /// and waits until it applied them; `last` is then the highest position.
  controlled_projection start_controlled(const std::string& name, int count,
                                         int64_t& last) {
    controlled_projection c;
    c.name = name;
    c.engine = std::make_unique<projection_engine>(*sys, store, checkpoints,
                                                   feed, rcfg);
    c.p = std::make_shared<recording_projection>(name);
    BOOST_REQUIRE(!c.engine->add(c.p));
    last = append_via_writer(count);
    BOOST_REQUIRE(!c.engine->wait_for(name, last, std::chrono::seconds{30}));
    c.st = c.engine->status(name);
    c.ctl = checkpoints->share();
    return c;
  }
};

} // namespace mink::testing
