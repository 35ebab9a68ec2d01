// Conformance of the checkpoint store: records, the compare-and-set on the
// checkpoint, operator controls, runner reports, dead letters, input checks
// and runner leases. (Transactions of SQL adapters are in
// sql_checkpoint_suite.cpp.)

#include "checkpoint_fixture.hpp"

#include <csignal>
#include <limits>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>

#include "mink/clock.hpp"
#include "mink/utf8.hpp"
#include "threads.hpp"

using namespace mink;
using namespace mink::conformance;

namespace {

constexpr int64_t clock_slack = int64_t{10} * 60 * 1'000'000;

/// Names the port must reject.
std::vector<std::string> bad_names() {
  return {"", std::string(201, 'x'), "a\nb", std::string{"a\0b", 3},
          "tab\there", "\xff\xfe", "\xc3"};
}

/// Returns whether `text` mentions `x` as a number.
bool mentions(const std::string& text, int64_t x) {
  return text.find(std::to_string(x)) != std::string::npos;
}

} // namespace

BOOST_FIXTURE_TEST_SUITE(checkpoint_suite, checkpoint_fixture)

BOOST_AUTO_TEST_CASE(ensure_creates_a_fresh_record_once) {
  auto fresh = cps->load("orders");
  MINK_REQUIRE_OK(fresh);
  BOOST_TEST(!fresh->has_value());
  auto x = ensure_ok("orders");
  BOOST_TEST(x.name == "orders");
  BOOST_TEST(x.position == 0);
  BOOST_TEST((x.desired == projection_desired::running));
  BOOST_TEST(!x.reset_to.has_value());
  BOOST_TEST(!x.rebuild_requested);
  BOOST_TEST((x.state == projection_state::stopped));
  BOOST_TEST(x.last_error.empty());
  BOOST_TEST(x.lag_events == 0);
  BOOST_TEST(x.lag_seconds == 0.0);
  BOOST_TEST(x.runner.empty());
  BOOST_TEST(x.reported_us == 0);
  MINK_REQUIRE_NO_ERROR(cps->save("orders", 0, 5));
  // A second ensure keeps the record, also from another handle.
  auto other = open_another();
  auto again = other->ensure("orders");
  MINK_REQUIRE_OK(again);
  BOOST_TEST(again->position == 5);
  BOOST_TEST(load_existing(*other, "orders").position == 5);
  BOOST_TEST(list_ok().size() == 1u);
}

BOOST_AUTO_TEST_CASE(list_orders_records_by_name_bytes) {
  BOOST_TEST(list_ok().empty());
  for (const auto& name : std::vector<std::string>{
         "b", "\xc3\xa4", "a", "B", "a-1", std::string(200, 'z')})
    ensure_ok(name);
  std::vector<std::string> expected{"B", "a", "a-1", "b",
                                    std::string(200, 'z'), "\xc3\xa4"};
  BOOST_TEST(names_of(list_ok()) == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(save_is_a_compare_and_set) {
  ensure_ok("p");
  MINK_REQUIRE_NO_ERROR(cps->save("p", 0, 10));
  BOOST_TEST(position_of("p") == 10);
  MINK_REQUIRE_NO_ERROR(cps->save("p", 10, 10));
  MINK_REQUIRE_NO_ERROR(cps->save("p", 10, 25));
  auto err = cps->save("p", 10, 30);
  MINK_CHECK_ERRC(err, errc::wrong_expected_version);
  BOOST_CHECK_MESSAGE(mentions(to_text(err), 10) && mentions(to_text(err), 25),
                      "message names both positions: " << to_text(err));
  BOOST_TEST(position_of("p") == 25);
  // Moving back (a reset carried out by a runner) is a plain move too.
  MINK_REQUIRE_NO_ERROR(cps->save("p", 25, 3));
  BOOST_TEST(position_of("p") == 3);
}

BOOST_AUTO_TEST_CASE(two_handles_cannot_both_move_past_the_same_events) {
  ensure_ok("p");
  auto other = open_another();
  MINK_REQUIRE_NO_ERROR(cps->save("p", 0, 5));
  MINK_CHECK_ERRC(other->save("p", 0, 7), errc::wrong_expected_version);
  BOOST_TEST(load_existing(*other, "p").position == 5);
  MINK_REQUIRE_NO_ERROR(other->save("p", 5, 7));
  BOOST_TEST(position_of("p") == 7);
}

BOOST_AUTO_TEST_CASE(concurrent_savers_lose_no_move) {
  ensure_ok("p");
  constexpr int threads_n = 4;
  constexpr int moves = 25;
  std::vector<std::unique_ptr<checkpoint_store>> handles;
  for (int i = 0; i < threads_n; ++i)
    handles.push_back(open_another());
  start_gate gate;
  std::vector<std::string> failures[threads_n];
  std::vector<std::thread> threads;
  for (int i = 0; i < threads_n; ++i)
    threads.emplace_back([&, i] {
      gate.wait();
      auto& h = *handles[static_cast<size_t>(i)];
      for (int done = 0; done < moves;) {
        auto x = h.load("p");
        if (!x || !*x) {
          failures[i].push_back("load: " + describe(x));
          return;
        }
        auto pos = (*x)->position;
        auto err = h.save("p", pos, pos + 1);
        if (!err)
          ++done;
        else if (code_of(err) != errc::wrong_expected_version) {
          failures[i].push_back("save: " + to_text(err));
          return;
        }
      }
    });
  gate.open();
  join_all(threads);
  for (auto& f : failures)
    BOOST_CHECK_MESSAGE(f.empty(), first_of(f));
  BOOST_TEST(position_of("p") == threads_n * moves);
}

BOOST_AUTO_TEST_CASE(controls_are_stored_for_the_runner) {
  ensure_ok("p");
  MINK_REQUIRE_NO_ERROR(cps->save("p", 0, 40));
  auto other = open_another();
  MINK_REQUIRE_NO_ERROR(other->set_desired("p", projection_desired::paused));
  BOOST_TEST((load_existing("p").desired == projection_desired::paused));
  MINK_REQUIRE_NO_ERROR(other->set_desired("p", projection_desired::running));
  BOOST_TEST((load_existing("p").desired == projection_desired::running));
  MINK_REQUIRE_NO_ERROR(other->set_desired("p", projection_desired::paused));
  MINK_REQUIRE_NO_ERROR(other->request_reset("p", 7));
  BOOST_TEST(load_existing("p").reset_to.value_or(-1) == 7);
  // A second request replaces the pending one; 0 is a valid target.
  MINK_REQUIRE_NO_ERROR(other->request_reset("p", 0));
  BOOST_TEST(load_existing("p").reset_to.value_or(-1) == 0);
  MINK_REQUIRE_NO_ERROR(other->request_rebuild("p"));
  auto x = load_existing("p");
  BOOST_TEST(x.rebuild_requested);
  BOOST_TEST(x.position == 40); // requests do not move the checkpoint
  MINK_REQUIRE_NO_ERROR(cps->complete_request("p", 0));
  x = load_existing(*other, "p");
  BOOST_TEST(x.position == 0);
  BOOST_TEST(!x.reset_to.has_value());
  BOOST_TEST(!x.rebuild_requested);
  BOOST_TEST((x.desired == projection_desired::paused)); // untouched
  // Completing without a pending request just moves the checkpoint.
  MINK_REQUIRE_NO_ERROR(cps->complete_request("p", 12));
  BOOST_TEST(position_of("p") == 12);
}

BOOST_AUTO_TEST_CASE(reports_round_trip) {
  ensure_ok("p");
  MINK_REQUIRE_NO_ERROR(cps->save("p", 0, 9));
  auto before = now_us();
  projection_report r;
  r.state = projection_state::catching_up;
  r.lag_events = 1234567890123;
  r.lag_seconds = 1.25;
  r.last_error = "boom:\n  line 2 \xc3\xbc \"quoted\" 'x' \\";
  r.runner = "4242@host-1";
  MINK_REQUIRE_NO_ERROR(cps->report("p", r));
  auto after = now_us();
  auto x = load_existing(*open_another(), "p");
  BOOST_TEST((x.state == projection_state::catching_up));
  BOOST_TEST(x.lag_events == 1234567890123);
  BOOST_TEST(x.lag_seconds == 1.25);
  BOOST_TEST(x.last_error == r.last_error);
  BOOST_TEST(x.runner == r.runner);
  BOOST_TEST(x.reported_us >= before - clock_slack);
  BOOST_TEST(x.reported_us <= after + clock_slack);
  BOOST_TEST(x.position == 9);
  // Every state round-trips; a later report replaces the earlier one.
  for (auto st : {projection_state::running, projection_state::paused,
                  projection_state::rebuilding, projection_state::faulted,
                  projection_state::stopped}) {
    projection_report next;
    next.state = st;
    next.lag_seconds = 0.1 + 0.2;
    MINK_REQUIRE_NO_ERROR(cps->report("p", next));
    x = load_existing("p");
    BOOST_TEST((x.state == st));
    BOOST_TEST(x.lag_seconds == 0.1 + 0.2);
    BOOST_TEST(x.last_error.empty());
    BOOST_TEST(x.runner.empty());
  }
  // An error message that is not UTF-8 is stored with replacements.
  projection_report bad;
  bad.state = projection_state::faulted;
  bad.last_error = std::string{"bad \xff byte and \0 nul", 20};
  MINK_REQUIRE_NO_ERROR(cps->report("p", bad));
  x = load_existing("p");
  BOOST_TEST(is_valid_utf8(x.last_error));
  BOOST_TEST(x.last_error.find("bad ") == 0u);
  BOOST_TEST(x.last_error.find(" nul") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dead_letters_are_listed_in_order) {
  ensure_ok("p1");
  ensure_ok("p0");
  ensure_ok("p2");
  auto before = now_us();
  for (int64_t pos : {9, 4, 6})
    MINK_REQUIRE_NO_ERROR(cps->park("p1", make_recorded(pos),
                                    "failed at " + std::to_string(pos)));
  auto ev = make_recorded(5, "invoice-7", "invoice_sent");
  MINK_REQUIRE_NO_ERROR(cps->park("p0", ev, "it \xc3\xa4 broke\nbadly"));
  auto after = now_us();
  auto p1 = letters_ok("p1");
  BOOST_TEST(keys_of(p1) == (std::vector<std::string>{"p1/4", "p1/6", "p1/9"}),
             boost::test_tools::per_element());
  BOOST_TEST(letters_ok("p2").empty());
  auto all = letters_ok("");
  BOOST_TEST(keys_of(all)
               == (std::vector<std::string>{"p0/5", "p1/4", "p1/6", "p1/9"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys_of(letters_ok("", 2))
               == (std::vector<std::string>{"p0/5", "p1/4"}),
             boost::test_tools::per_element());
  BOOST_TEST(keys_of(letters_ok("p1", 1))
               == (std::vector<std::string>{"p1/4"}),
             boost::test_tools::per_element());
  auto& x = all.front();
  BOOST_TEST(x.event_id == ev.event_id);
  BOOST_TEST(x.stream_id == "invoice-7");
  BOOST_TEST(x.event_type == "invoice_sent");
  BOOST_TEST(x.error == "it \xc3\xa4 broke\nbadly");
  BOOST_TEST(!x.replay_requested);
  BOOST_TEST(x.parked_us >= before - clock_slack);
  BOOST_TEST(x.parked_us <= after + clock_slack);
  BOOST_TEST(p1[1].error == "failed at 6");
  // Parking does not touch the checkpoint.
  BOOST_TEST(position_of("p1") == 0);
}

BOOST_AUTO_TEST_CASE(parking_a_position_again_replaces_the_letter) {
  ensure_ok("p");
  MINK_REQUIRE_NO_ERROR(cps->park("p", make_recorded(4), "first"));
  MINK_REQUIRE_NO_ERROR(cps->request_replay("p", 4));
  auto xs = letters_ok("p");
  BOOST_REQUIRE_EQUAL(xs.size(), 1u);
  BOOST_TEST(xs[0].replay_requested);
  auto ev = make_recorded(4, "order-2", "order_shipped");
  MINK_REQUIRE_NO_ERROR(open_another()->park("p", ev, "second"));
  xs = letters_ok("p");
  BOOST_REQUIRE_EQUAL(xs.size(), 1u);
  BOOST_TEST(xs[0].error == "second");
  BOOST_TEST(xs[0].event_id == ev.event_id);
  BOOST_TEST(xs[0].stream_id == "order-2");
  BOOST_TEST(xs[0].event_type == "order_shipped");
  BOOST_TEST(!xs[0].replay_requested);
}

BOOST_AUTO_TEST_CASE(replay_requests_and_removal) {
  ensure_ok("p");
  ensure_ok("q");
  MINK_REQUIRE_NO_ERROR(cps->park("p", make_recorded(3), "e3"));
  MINK_REQUIRE_NO_ERROR(cps->park("p", make_recorded(8), "e8"));
  MINK_REQUIRE_NO_ERROR(cps->park("q", make_recorded(3), "q3"));
  MINK_REQUIRE_NO_ERROR(cps->request_replay("p", 8));
  auto xs = letters_ok("");
  BOOST_REQUIRE_EQUAL(xs.size(), 3u);
  BOOST_TEST(!xs[0].replay_requested);
  BOOST_TEST(xs[1].replay_requested);
  BOOST_TEST(!xs[2].replay_requested);
  MINK_CHECK_ERRC(cps->request_replay("p", 4), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->request_replay("q", 8), errc::invalid_argument);
  MINK_REQUIRE_NO_ERROR(cps->remove_dead_letter("p", 3));
  BOOST_TEST(keys_of(letters_ok("")) == (std::vector<std::string>{"p/8", "q/3"}),
             boost::test_tools::per_element());
  // Removing a missing letter is not an error.
  MINK_CHECK_NO_ERROR(cps->remove_dead_letter("p", 3));
  MINK_CHECK_NO_ERROR(cps->remove_dead_letter("p", 999));
  MINK_REQUIRE_NO_ERROR(open_another()->remove_dead_letter("p", 8));
  BOOST_TEST(letters_ok("p").empty());
  BOOST_TEST(letters_ok("q").size() == 1u);
}

BOOST_AUTO_TEST_CASE(bad_names_are_invalid_arguments) {
  ensure_ok("p");
  MINK_REQUIRE_NO_ERROR(cps->park("p", make_recorded(1), "x"));
  auto ev = make_recorded(2);
  for (const auto& name : bad_names()) {
    BOOST_TEST_CONTEXT("name of " << name.size() << " bytes") {
      MINK_CHECK_ERRC(cps->ensure(name), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->load(name), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->save(name, 0, 1), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->set_desired(name, projection_desired::paused),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(cps->request_reset(name, 0), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->request_rebuild(name), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->complete_request(name, 0), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->report(name, projection_report{}),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(cps->park(name, ev, "x"), errc::invalid_argument);
      if (!name.empty())
        MINK_CHECK_ERRC(cps->dead_letters(name, 10), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->request_replay(name, 1), errc::invalid_argument);
      MINK_CHECK_ERRC(cps->remove_dead_letter(name, 1),
                      errc::invalid_argument);
      MINK_CHECK_ERRC(cps->try_lead(name), errc::invalid_argument);
    }
  }
  BOOST_TEST(names_of(list_ok()) == std::vector<std::string>{"p"},
             boost::test_tools::per_element());
  BOOST_TEST(letters_ok("").size() == 1u);
  // The longest valid name.
  ensure_ok(std::string(200, 'n'));
  BOOST_TEST(projection_name_problem(std::string(200, 'n')).empty());
  BOOST_TEST(!projection_name_problem(std::string(201, 'n')).empty());
}

BOOST_AUTO_TEST_CASE(bad_positions_and_limits_are_invalid_arguments) {
  ensure_ok("p");
  MINK_REQUIRE_NO_ERROR(cps->save("p", 0, 3));
  MINK_REQUIRE_NO_ERROR(cps->park("p", make_recorded(1), "x"));
  MINK_CHECK_ERRC(cps->save("p", -1, 4), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->save("p", 3, -1), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->request_reset("p", -1), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->complete_request("p", -5), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->request_replay("p", -1), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->remove_dead_letter("p", -1), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->park("p", make_recorded(-1), "x"),
                  errc::invalid_argument);
  MINK_CHECK_ERRC(cps->dead_letters("p", 0), errc::invalid_argument);
  MINK_CHECK_ERRC(cps->dead_letters("", 0), errc::invalid_argument);
  projection_report r;
  r.lag_events = -1;
  MINK_CHECK_ERRC(cps->report("p", r), errc::invalid_argument);
  r.lag_events = 0;
  r.lag_seconds = -0.5;
  MINK_CHECK_ERRC(cps->report("p", r), errc::invalid_argument);
  r.lag_seconds = std::numeric_limits<double>::quiet_NaN();
  MINK_CHECK_ERRC(cps->report("p", r), errc::invalid_argument);
  auto bad_event = make_recorded(2);
  bad_event.stream_id = "order-\xff";
  MINK_CHECK_ERRC(cps->park("p", bad_event, "x"), errc::invalid_argument);
  // Nothing changed.
  auto x = load_existing("p");
  BOOST_TEST(x.position == 3);
  BOOST_TEST(!x.reset_to.has_value());
  BOOST_TEST((x.state == projection_state::stopped));
  BOOST_TEST(letters_ok("p").size() == 1u);
  // A huge limit means "all".
  BOOST_TEST(letters_ok("p", std::numeric_limits<size_t>::max()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(missing_projections_are_not_found) {
  ensure_ok("other");
  auto ev = make_recorded(2);
  MINK_CHECK_ERRC(cps->save("nope", 0, 1), errc::projection_not_found);
  MINK_CHECK_ERRC(cps->set_desired("nope", projection_desired::paused),
                  errc::projection_not_found);
  MINK_CHECK_ERRC(cps->request_reset("nope", 0), errc::projection_not_found);
  MINK_CHECK_ERRC(cps->request_rebuild("nope"), errc::projection_not_found);
  MINK_CHECK_ERRC(cps->complete_request("nope", 0),
                  errc::projection_not_found);
  MINK_CHECK_ERRC(cps->report("nope", projection_report{}),
                  errc::projection_not_found);
  MINK_CHECK_ERRC(cps->park("nope", ev, "x"), errc::projection_not_found);
  MINK_CHECK_ERRC(cps->dead_letters("nope", 10), errc::projection_not_found);
  MINK_CHECK_ERRC(cps->request_replay("nope", 2), errc::projection_not_found);
  MINK_CHECK_ERRC(cps->remove_dead_letter("nope", 2),
                  errc::projection_not_found);
  // None of them created a record or a letter.
  auto x = cps->load("nope");
  MINK_REQUIRE_OK(x);
  BOOST_TEST(!x->has_value());
  BOOST_TEST(names_of(list_ok()) == std::vector<std::string>{"other"},
             boost::test_tools::per_element());
  BOOST_TEST(letters_ok("").empty());
}

BOOST_AUTO_TEST_CASE(one_lease_per_projection) {
  ensure_ok("p");
  // A lease needs no record (a runner leads before it ensures its record)
  // and creates none.
  auto other = open_another();
  auto first = lead(*cps, "p");
  BOOST_REQUIRE(first);
  BOOST_TEST(first->held());
  BOOST_TEST(!lead(*other, "p"));
  BOOST_TEST(!lead(*cps, "p")); // also not twice on one handle
  // Another projection has a lease of its own.
  auto q = lead(*other, "q");
  BOOST_REQUIRE(q);
  BOOST_TEST(q->held());
  first.reset();
  auto second = lead(*other, "p");
  BOOST_REQUIRE(second);
  BOOST_TEST(second->held());
  BOOST_TEST(!lead(*cps, "p"));
  BOOST_TEST(!first);
  BOOST_TEST(q->held());
  BOOST_TEST(names_of(list_ok()) == std::vector<std::string>{"p"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_lease_outlives_the_handle_that_took_it) {
  ensure_ok("p");
  auto lease = lead(*cps, "p");
  BOOST_REQUIRE(lease);
  cps.reset();
  auto other = open_another();
  BOOST_TEST(lease->held());
  BOOST_TEST(!lead(*other, "p"));
  lease.reset();
  BOOST_TEST(static_cast<bool>(lead(*other, "p")));
}

BOOST_AUTO_TEST_CASE(a_lease_ends_when_its_process_dies) {
  if (storage->name() == "memory")
    return; // nothing outlives one process
  ensure_ok("p");
  for (bool kill_it : {false, true}) {
    BOOST_TEST_CONTEXT((kill_it ? "SIGKILL" : "_exit")) {
      int ready[2];
      BOOST_REQUIRE(pipe(ready) == 0);
      auto child = fork();
      BOOST_REQUIRE(child >= 0);
      if (child == 0) {
        // The child: take the lease on a handle of its own, tell the
        // parent, then die without giving it up.
        ::close(ready[0]);
        char verdict = 'n';
        try {
          auto mine = storage->open_checkpoints();
          auto lease = mine->try_lead("p");
          if (lease && *lease) {
            verdict = 'y';
            (void) lease->release(); // never destroyed: no clean unlock
          }
        } catch (...) {
          verdict = 'e';
        }
        if (write(ready[1], &verdict, 1) != 1)
          _exit(3);
        if (kill_it)
          pause();
        _exit(0);
      }
      ::close(ready[1]);
      char verdict = 0;
      BOOST_REQUIRE(read(ready[0], &verdict, 1) == 1);
      ::close(ready[0]);
      BOOST_REQUIRE_MESSAGE(verdict == 'y', "the child got no lease: "
                                              << verdict);
      if (kill_it) {
        BOOST_TEST(!lead(*cps, "p"));
        ::kill(child, SIGKILL);
      }
      int status = 0;
      BOOST_REQUIRE(waitpid(child, &status, 0) == child);
      // The server notices the closed connection at once, but asynchronously.
      std::unique_ptr<runner_lease> mine;
      // A bound of 30 s: a loaded machine may be slow to notice.
      for (int i = 0; i < 600 && mine == nullptr; ++i) {
        mine = lead(*cps, "p");
        if (mine == nullptr)
          std::this_thread::sleep_for(std::chrono::milliseconds{50});
      }
      BOOST_REQUIRE_MESSAGE(mine != nullptr,
                            "no lease 30 s after the runner died");
      BOOST_TEST(mine->held());
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
