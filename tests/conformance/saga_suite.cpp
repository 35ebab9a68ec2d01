// Conformance of the saga stores (memory; SQL for SQLite and PostgreSQL):
// instance records, timers, and a saga's wake-up that outlives its runner.

#include "checkpoint_fixture.hpp"

#include <chrono>
#include <memory>
#include <variant>

#include "mink/adapters/memory/memory_saga_store.hpp"
#include "mink/adapters/sql/sql_saga_store.hpp"
#include "mink/command/declared_commands.hpp"
#include "mink/saga/saga_runner.hpp"
#include "mink/serialization/declared_events.hpp"

using namespace mink;
using namespace mink::conformance;

namespace conformance_saga {

struct ticket_opened { std::string title; };
MINK_EVENT(ticket_opened, "TicketOpened", title)

struct escalate {};
MINK_COMMAND(escalate)

struct ticket_decider {
  using command_type = std::variant<escalate>;
  static constexpr const char* category = "ticket";
};

struct ticket_watch {
  std::string title;
};
MINK_FIELDS(ticket_watch, title)

} // namespace conformance_saga

namespace {

using namespace conformance_saga;

/// Fresh storage and a saga store on it; `reopen` gives another handle on
/// the same saga store (a new connection for the SQL adapters; the same
/// store in memory).
struct saga_fixture : checkpoint_fixture {
  std::shared_ptr<memory_saga_store> memory;
  std::shared_ptr<saga_store> store = reopen();

  std::shared_ptr<saga_store> reopen() {
    std::shared_ptr<checkpoint_store> handle = open_another();
    if (auto sql = std::dynamic_pointer_cast<sql_checkpoint_store>(handle))
      return std::make_shared<sql_saga_store>(sql, storage->table_name(""));
    if (memory == nullptr)
      memory = std::make_shared<memory_saga_store>();
    return memory;
  }

  static saga_change change(std::string instance, int64_t position,
                            std::vector<saga_timer> set = {},
                            std::vector<std::string> cancel = {},
                            bool done = false) {
    saga_change c;
    c.instance = std::move(instance);
    c.record.state = R"({"n":)" + std::to_string(position) + "}";
    c.record.position = position;
    c.record.done = done;
    c.set = std::move(set);
    c.cancel = std::move(cancel);
    return c;
  }

  std::vector<std::string> due_names(int64_t now, size_t limit = 100) {
    auto xs = store->due("s", now, limit);
    BOOST_REQUIRE_MESSAGE(xs, (xs ? std::string{} : describe(xs.error())));
    std::vector<std::string> out;
    for (const auto& t : *xs)
      out.push_back(t.instance + "/" + t.name + "@" + std::to_string(t.due_us));
    return out;
  }
};

using names = std::vector<std::string>;

} // namespace

BOOST_FIXTURE_TEST_SUITE(saga_store_conformance, saga_fixture)

BOOST_AUTO_TEST_CASE(records_are_saved_loaded_and_replaced) {
  auto none = store->load("s", "a");
  BOOST_REQUIRE(none);
  BOOST_TEST(!none->has_value());
  MINK_REQUIRE_NO_ERROR(store->save("s", {change("a", 3), change("b", 4)}));
  auto journaled = change("b", 4);
  journaled.record.journal = R"({"e5/x":{"ok":true}})";
  MINK_REQUIRE_NO_ERROR(store->save("s", {journaled}));
  MINK_REQUIRE_NO_ERROR(store->save("s", {change("a", 7, {}, {}, true)}));
  auto other = reopen();
  auto a = other->load("s", "a");
  BOOST_REQUIRE(a && *a);
  BOOST_TEST((*a)->state == R"({"n":7})");
  BOOST_TEST((*a)->position == 7);
  BOOST_TEST((*a)->done);
  auto b = other->load("s", "b");
  BOOST_REQUIRE(b && *b);
  BOOST_TEST((*b)->position == 4);
  BOOST_TEST(!(*b)->done);
  BOOST_TEST((*b)->journal == R"({"e5/x":{"ok":true}})");
  BOOST_TEST((*a)->journal.empty());
  auto elsewhere = other->load("t", "a"); // another saga's instance
  BOOST_REQUIRE(elsewhere);
  BOOST_TEST(!elsewhere->has_value());
}

BOOST_AUTO_TEST_CASE(many_records_load_in_the_order_asked_and_save_at_once) {
  // More than one statement's worth of parameters (row_batch::max_params).
  std::vector<saga_change> changes;
  std::vector<std::string> ids;
  for (int i = 0; i < 2500; ++i) {
    auto id = "i" + std::to_string(i);
    changes.push_back(change(id, i + 1, {{id, "t", 1000 + i}}, {}, i % 2 == 1));
    ids.push_back(id);
  }
  MINK_REQUIRE_NO_ERROR(store->save("s", changes));
  std::vector<std::string> asked{"i2499", "nope", "i0", "i7"};
  asked.insert(asked.end(), ids.begin(), ids.end());
  auto recs = reopen()->load_many("s", asked);
  BOOST_REQUIRE_MESSAGE(recs, (recs ? std::string{} : describe(recs.error())));
  BOOST_REQUIRE_EQUAL(recs->size(), asked.size());
  BOOST_TEST(((*recs)[0] && (*recs)[0]->position == 2500 && (*recs)[0]->done));
  BOOST_TEST(!(*recs)[1].has_value());
  BOOST_TEST(((*recs)[2] && (*recs)[2]->position == 1 && !(*recs)[2]->done));
  BOOST_TEST(((*recs)[3] && (*recs)[3]->state == R"({"n":8})"));
  for (size_t k = 0; k < ids.size(); ++k)
    BOOST_TEST(((*recs)[4 + k] && (*recs)[4 + k]->position == int64_t(k) + 1));
  // The finished half lost its timers; the others kept theirs.
  auto due = store->due("s", 1'000'000, 5000);
  BOOST_REQUIRE(due);
  BOOST_TEST(due->size() == 1250u);
  // Cancelled and finished across many instances at once.
  std::vector<saga_change> more;
  for (int i = 0; i < 2500; i += 2)
    more.push_back(change("i" + std::to_string(i), 9000, {}, {"t"}, i >= 2000));
  MINK_REQUIRE_NO_ERROR(store->save("s", more));
  BOOST_TEST(due_names(1'000'000) == names{});
  // One instance twice in one save is refused, and nothing of it is saved.
  BOOST_TEST((store->save("s", {change("dup", 1), change("dup", 2)})
              == errc::invalid_argument));
  // So is one timer name set twice in one change.
  BOOST_TEST((store->save("s", {change("dup", 1, {{"dup", "t", 5},
                                                  {"dup", "t", 6}})})
              == errc::invalid_argument));
  auto dup = store->load("s", "dup");
  BOOST_REQUIRE(dup);
  BOOST_TEST(!dup->has_value());
}

BOOST_AUTO_TEST_CASE(timers_come_due_in_order_and_are_replaced_and_cancelled) {
  MINK_REQUIRE_NO_ERROR(store->save(
    "s", {change("a", 1, {{"a", "late", 300}, {"a", "early", 100}}),
          change("b", 1, {{"b", "mid", 200}})}));
  BOOST_TEST(due_names(50) == names{});
  BOOST_TEST(due_names(250) == (names{"a/early@100", "b/mid@200"}));
  BOOST_TEST(due_names(1000, 2) == (names{"a/early@100", "b/mid@200"}));
  // Set again: the new due time replaces the old; cancel drops it.
  MINK_REQUIRE_NO_ERROR(
    store->save("s", {change("a", 2, {{"a", "early", 400}}, {"late"})}));
  BOOST_TEST(due_names(1000) == (names{"b/mid@200", "a/early@400"}));
  // Another saga's timers are its own.
  auto t = store->due("t", 1000, 10);
  BOOST_REQUIRE(t);
  BOOST_TEST(t->empty());
}

BOOST_AUTO_TEST_CASE(a_finished_instance_has_no_timers) {
  MINK_REQUIRE_NO_ERROR(
    store->save("s", {change("a", 1, {{"a", "x", 10}, {"a", "y", 20}})}));
  MINK_REQUIRE_NO_ERROR(store->save("s", {change("a", 2, {}, {}, true)}));
  BOOST_TEST(due_names(1000) == names{});
}

BOOST_AUTO_TEST_CASE(remove_timer_keeps_a_timer_set_again) {
  MINK_REQUIRE_NO_ERROR(store->save("s", {change("a", 1, {{"a", "x", 10}})}));
  MINK_REQUIRE_NO_ERROR(store->remove_timer("s", {"a", "x", 99}));
  BOOST_TEST(due_names(1000) == names{"a/x@10"});
  MINK_REQUIRE_NO_ERROR(store->remove_timer("s", {"a", "x", 10}));
  BOOST_TEST(due_names(1000) == names{});
}

BOOST_AUTO_TEST_CASE(bad_names_are_refused) {
  BOOST_TEST((store->load("", "a").error() == errc::invalid_argument));
  BOOST_TEST((store->load("s", std::string(201, 'x')).error()
              == errc::invalid_argument));
  BOOST_TEST((store->save("s", {change(std::string{"a\nb"}, 1)})
              == errc::invalid_argument));
  BOOST_TEST((store->save("s", {change("a", 1, {{"a", "", 5}})})
              == errc::invalid_argument));
  BOOST_TEST(due_names(1000) == names{}); // nothing of it was saved
}

BOOST_AUTO_TEST_CASE(a_wake_up_outlives_the_runner_that_asked_for_it) {
  auto registry = std::make_shared<event_registry>();
  MINK_REQUIRE_NO_ERROR(register_events<ticket_opened>(*registry));
  auto def = std::make_shared<saga<ticket_watch>>("watch", registry, "ticket");
  def->on<ticket_opened>([](ticket_watch& st, saga_context& ctx,
                            const typed_event<ticket_opened>& ev) {
    st.title = ev.data.title;
    ctx.wake_after("escalate", std::chrono::hours{1});
  });
  def->on_wake("escalate", [](ticket_watch&, saga_context& ctx) {
    ctx.send("escalate",
             make_command<ticket_decider>(ctx.instance(), escalate{}, ""));
    ctx.complete();
  });
  auto time = std::make_shared<manual_clock>();
  std::vector<command_envelope> sent;
  auto sender = [&](std::vector<command_envelope> cmds) {
    std::vector<caf::expected<command_result>> out;
    for (auto& c : cmds) {
      sent.push_back(c);
      out.emplace_back(command_result{1, 1});
    }
    return out;
  };
  saga_runner_config cfg;
  cfg.time = time;
  auto opened = registry->encode(ticket_opened{"printer on fire"});
  BOOST_REQUIRE(opened);
  recorded_event rec;
  rec.stream_id = "ticket-42";
  rec.stream_version = 1;
  rec.global_position = 1;
  rec.type = opened->type;
  rec.data = opened->data;
  {
    saga_runner first{def, store, sender, cfg};
    MINK_REQUIRE_NO_ERROR(first.handle({rec}));
  } // the process ends
  time->advance(std::chrono::minutes{59});
  saga_runner second{def, reopen(), sender, cfg};
  auto fired = second.fire_due();
  BOOST_REQUIRE(fired);
  BOOST_TEST(*fired == 0u);
  time->advance(std::chrono::minutes{1});
  fired = second.fire_due();
  BOOST_REQUIRE_MESSAGE(fired,
                        (fired ? std::string{} : describe(fired.error())));
  BOOST_TEST(*fired == 1u);
  BOOST_REQUIRE_EQUAL(sent.size(), 1u);
  BOOST_TEST(sent[0].stream_id() == "ticket-42");
  BOOST_TEST(sent[0].command_id == step_command_id("watch", "42", "escalate"));
  auto rec42 = reopen()->load("watch", "42");
  BOOST_REQUIRE(rec42 && *rec42);
  BOOST_TEST((*rec42)->done);
  BOOST_TEST((*rec42)->state == R"({"title":"printer on fire"})");
  BOOST_TEST(*second.fire_due() == 0u);
}

BOOST_AUTO_TEST_SUITE_END()
