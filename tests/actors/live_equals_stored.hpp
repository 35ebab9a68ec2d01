#pragma once

// One check for every store (memory and SQLite in the actor tests,
// PostgreSQL in the integration tests): each event that reaches readers
// live (the feed's window, a live subscription fed by it, an inline
// projection) equals, field by field, the event that read_all returns at
// the same position. A read model that records event times must not change
// when it is rebuilt from the store.

#include <algorithm>
#include <cctype>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <caf/all.hpp>

#include "../support/recorded_event_checks.hpp"
#include "mink/actors/actor_list.hpp"
#include "mink/actors/atoms.hpp"
#include "mink/actors/feed.hpp"
#include "mink/actors/live_subscription.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/projection/projection.hpp"
#include "mink/store/event_store.hpp"
#include "mink/uuid.hpp"
#include "projection_fixture.hpp" // eventually

namespace mink::testing {

/// An inline projection that keeps a copy of every event it is given.
class capturing_inline_projection : public sql_projection {
public:
  std::string name() const override { return "live_capture"; }

  caf::error handle(soci::session&,
                    const std::vector<recorded_event>& events) override {
    std::lock_guard<std::mutex> guard{mtx_};
    seen_.insert(seen_.end(), events.begin(), events.end());
    return {};
  }

  caf::error clear(soci::session&) override { return {}; }

  /// What it was given, in position order.
  std::vector<recorded_event> seen() const {
    std::lock_guard<std::mutex> guard{mtx_};
    auto result = seen_;
    std::sort(result.begin(), result.end(),
              [](const recorded_event& x, const recorded_event& y) {
                return x.global_position < y.global_position;
              });
    return result;
  }

private:
  mutable std::mutex mtx_;
  std::vector<recorded_event> seen_;
};

/// The `i`th append of the check: 1 to 3 events with every field set, and
/// text that needs escaping on its way into the store.
inline stream_append varied_append(int i) {
  stream_append sa;
  sa.stream_id = "live-" + std::to_string(i % 7);
  sa.expected = expected_version::any();
  for (int k = 0; k <= i % 3; ++k) {
    event_data e;
    // Every other event brings its own id, in upper case: the store keeps
    // it in lower case, and so must the live event.
    if ((i + k) % 2 == 0) {
      auto id = make_uuid();
      std::transform(id.begin(), id.end(), id.begin(),
                     [](unsigned char c) { return std::toupper(c); });
      e.event_id = id;
    }
    e.type = k == 0 ? "noted" : "remarked";
    e.schema_version = 1 + (i + k) % 3;
    e.data = R"({"i":)" + std::to_string(i) + R"(,"k":)" + std::to_string(k)
             + R"(,"text":"tab\there, quote \" and backslash \\ and \u00e9"})";
    e.meta.correlation_id = "corr-" + std::to_string(i);
    e.meta.causation_id = "cause-" + std::to_string(i);
    e.meta.user_id = i % 4 == 0 ? "" : "user-" + std::to_string(i % 5);
    e.meta.tenant_id = "tenant-\xc3\xa9";
    if (i % 3 != 1)
      e.meta.custom = {{"key", "value " + std::to_string(k)},
                       {"tab\tkey", "back\\slash \"quoted\""},
                       {"\xc3\xa9t\xc3\xa9", "\xe2\x82\xac"}};
    sa.events.push_back(std::move(e));
  }
  return sa;
}

/// Appends through a persistence actor that publishes to a feed, with a
/// live subscription and (when `with_inline`) an inline projection
/// watching, then compares what each saw with `read_all`.
inline void check_live_events_equal_stored(std::shared_ptr<event_store> store,
                                           bool with_inline) {
  using namespace std::chrono_literals;
  std::shared_ptr<capturing_inline_projection> inl;
  if (with_inline) {
    inl = std::make_shared<capturing_inline_projection>();
    BOOST_REQUIRE(!store->add_inline(inl));
  }
  // Declared before the actor system, which waits for the subscription
  // (that writes to them) when it goes.
  std::mutex mtx;
  std::vector<recorded_event> live;
  caf::actor_system_config cfg;
  cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{cfg};
  feed_config fcfg;
  // No polling: whatever the feed holds was published by the persistence
  // actor, not read back from the store.
  fcfg.poll_interval = std::chrono::hours{1};
  auto feed = spawn_feed(sys, store, fcfg);
  persistence_config pcfg;
  pcfg.feed = feed;
  auto writer = spawn_persistence(sys, store, pcfg);
  runner_config rcfg;
  rcfg.control_interval = 20ms;
  auto sub = subscribe_live(
    sys, store, feed, 0,
    [&](const std::vector<recorded_event>& events) -> caf::error {
      std::lock_guard<std::mutex> guard{mtx};
      live.insert(live.end(), events.begin(), events.end());
      return {};
    },
    {}, rcfg);
  // Stopped however the check ends: the actor system waits for them.
  actor_list stop;
  stop.add(sub.actor);
  stop.add(writer.actor);
  stop.add(feed);
  // Caught up with the empty store: what follows comes from the feed.
  BOOST_REQUIRE(eventually(
    [&] { return sub.status->state() == projection_state::running; }, 30s));
  // Rounds of appends all in flight at once: batches of many streams.
  int64_t total = 0;
  caf::scoped_actor self{sys};
  for (int round = 0; round < 4; ++round) {
    constexpr int appends = 60;
    for (int i = 0; i < appends; ++i) {
      auto sa = varied_append(round * appends + i);
      total += static_cast<int64_t>(sa.events.size());
      auto reserved = writer.try_reserve(std::move(sa));
      BOOST_REQUIRE(reserved);
      self->send(writer.actor, append_atom::value, std::move(*reserved));
    }
    int n = 0;
    self->receive_for(n, appends)(
      [&](append_result&) {},
      [&](caf::error& err) { BOOST_ERROR("append failed: " << to_text(err)); });
  }
  BOOST_REQUIRE_EQUAL(*store->last_position(), total);
  auto stored = store->read_all(1, static_cast<size_t>(total) + 1);
  BOOST_REQUIRE(stored);
  BOOST_REQUIRE_EQUAL(stored->size(), static_cast<size_t>(total));
  // The feed's window: the events as published.
  std::vector<recorded_event> published;
  self->request(feed, caf::infinite, next_atom::value, int64_t{1},
                static_cast<uint32_t>(total))
    .receive(
      [&](feed_batch& batch) {
        BOOST_REQUIRE(!batch.behind);
        published = std::move(batch.events);
      },
      [&](caf::error& err) { BOOST_FAIL("feed failed: " << to_text(err)); });
  BOOST_TEST_CONTEXT("the feed") {
    test_support::check_same_events(published, *stored);
  }
  BOOST_REQUIRE(sub.status->wait_for(total, 30s));
  BOOST_TEST_CONTEXT("the live subscription") {
    std::lock_guard<std::mutex> guard{mtx};
    test_support::check_same_events(live, *stored);
  }
  if (inl) {
    BOOST_TEST_CONTEXT("the inline projection") {
      test_support::check_same_events(inl->seen(), *stored);
    }
  }
  // Times the store chose: set, and growing with the position.
  for (size_t i = 0; i < stored->size(); ++i) {
    BOOST_TEST((*stored)[i].timestamp_us > 0);
    if (i > 0)
      BOOST_TEST((*stored)[i].timestamp_us >= (*stored)[i - 1].timestamp_us);
  }
}

} // namespace mink::testing
