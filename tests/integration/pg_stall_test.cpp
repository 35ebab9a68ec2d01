// A PostgreSQL server that stops answering (every server process SIGSTOPped:
// the kernel still ACKs, so only a client-side deadline helps) or goes away
// (pg_ctl stop -m immediate): appends through the persistence actor, reads
// through the store reader, checkpoint and snapshot calls all fail within a
// bound while it lasts, and succeed again by themselves when it is over;
// nothing acknowledged is lost. Each test runs a server of its own.

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <caf/all.hpp>

#include "mink/actors/atoms.hpp"
#include "mink/actors/load_result.hpp"
#include "mink/actors/message_types.hpp"
#include "mink/actors/persistence.hpp"
#include "mink/actors/store_reader.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/postgres/postgres_checkpoint_store.hpp"
#include "mink/adapters/postgres/postgres_event_store.hpp"
#include "mink/adapters/postgres/postgres_snapshot_store.hpp"
#include "../support/pg_own_server.hpp"
#include "../support/error_text.hpp"

using namespace mink;
using namespace mink::test_support;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

constexpr auto deadline = 1000ms;
constexpr auto connect_timeout = 500ms;
/// Generous: a call waits at most for the deadline (plus the watchdog's
/// tick) and one reconnect attempt, well below three deadlines.
constexpr auto bound = 3 * deadline;
constexpr double bound_ms
  = std::chrono::duration<double, std::milli>(bound).count();
/// How long recovery may take at most once the server is back.
constexpr auto recovery_bound = 30s;

double ms_since(clock_type::time_point t0) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t0)
    .count();
}

/// How one call ended and how long it took.
struct outcome {
  bool ok = false;
  errc code = errc::none;
  double ms = 0;
  /// When the answer came.
  clock_type::time_point done = clock_type::now();
};

bool is_unavailable(errc x) {
  return x == errc::store_unavailable || x == errc::storage_failure
         || x == errc::timeout;
}

struct stall_fixture {
  pg_own_server server;
  postgres_config cfg;
  std::shared_ptr<event_store> store;
  std::shared_ptr<snapshot_store> snaps;
  std::unique_ptr<checkpoint_store> cps;
  caf::actor_system_config sys_cfg;
  std::unique_ptr<caf::actor_system> sys;
  persistence writer;
  store_reader_actor reader;
  /// The positions of every acknowledged event.
  std::set<int64_t> acked;
  /// Every stream an append was sent to.
  std::set<std::string> sent;
  int next_stream = 0;

  /// Opens the stores and actors on the test's own server and checks that
  /// every call works; false (the case skips) without root or PostgreSQL
  /// 15's binaries.
  bool ready() {
    if (!pg_own_server::available()) {
      BOOST_TEST_MESSAGE("skipped: needs root and PostgreSQL 15 binaries");
      return false;
    }
    BOOST_REQUIRE_MESSAGE(server.ok(), "own PostgreSQL server did not start");
    cfg.conninfo = server.conninfo();
    cfg.schema = "stall";
    cfg.pool_size = 2;
    cfg.statement_deadline = deadline;
    cfg.connect_timeout = connect_timeout;
    cfg.acquire_timeout = 10s;
    auto es = postgres_event_store::open(cfg);
    BOOST_REQUIRE_MESSAGE(es, why(es));
    store = std::move(*es);
    auto ss = postgres_snapshot_store::open(cfg);
    BOOST_REQUIRE_MESSAGE(ss, why(ss));
    snaps = std::move(*ss);
    auto cs = postgres_checkpoint_store::open(cfg);
    BOOST_REQUIRE_MESSAGE(cs, why(cs));
    cps = std::move(*cs);
    BOOST_REQUIRE(cps->ensure("stall_projection"));
    sys_cfg.set("scheduler.max-threads", 2);
    sys = std::make_unique<caf::actor_system>(sys_cfg);
    writer = spawn_persistence(*sys, store);
    reader = spawn_store_reader(*sys, store, snaps, 2);
    // Every call works before the fault.
    for (auto& [kind, outs] : probe_all())
      for (auto& o : outs)
        BOOST_TEST(o.ok,
                   "before: " << kind << " failed: " << to_string(o.code));
    return true;
  }

  ~stall_fixture() {
    server.thaw();
    if (sys) {
      caf::anon_send_exit(writer.actor, caf::exit_reason::user_shutdown);
      caf::anon_send_exit(reader, caf::exit_reason::user_shutdown);
    }
  }

  /// Sends `n` appends at once through the persistence actor (to streams
  /// of their own) and waits for every answer; each answer's time counts
  /// from the sending.
  std::vector<outcome> append_burst(size_t n) {
    caf::scoped_actor self{*sys};
    std::vector<outcome> result;
    auto t0 = clock_type::now();
    for (size_t i = 0; i < n; ++i) {
      stream_append sa;
      sa.stream_id = "stall-" + std::to_string(next_stream++);
      sa.expected = expected_version::any();
      event_data ev;
      ev.type = "noted";
      ev.data = "{\"n\":1}";
      sa.events.push_back(std::move(ev));
      sent.insert(sa.stream_id);
      auto reserved = writer.try_reserve(std::move(sa));
      BOOST_REQUIRE(reserved);
      self->send(writer.actor, append_atom::value, std::move(*reserved));
    }
    size_t i = 0;
    self->receive_for(i, n)(
      [&](append_result& res) {
        outcome o{true, errc::none, ms_since(t0), clock_type::now()};
        for (auto p : res.positions)
          acked.insert(p);
        result.push_back(o);
      },
      [&](caf::error& err) {
        result.push_back(
          outcome{false, code_of(err), ms_since(t0), clock_type::now()});
      },
      caf::after(std::chrono::seconds{60}) >> [&] {
        BOOST_ERROR("an append was not answered within 60 s");
        i = n;
      });
    return result;
  }

  outcome read_once() {
    caf::scoped_actor self{*sys};
    outcome out;
    auto t0 = clock_type::now();
    self
      ->request(reader, 60s, load_atom::value, std::string{"stall-0"},
                int64_t{1}, false)
      .receive([&](load_result&) { out.ok = true; },
               [&](caf::error& err) { out.code = code_of(err); });
    out.ms = ms_since(t0);
    out.done = clock_type::now();
    return out;
  }

  template <class F>
  static outcome timed(F&& f) {
    outcome out;
    auto t0 = clock_type::now();
    auto err = f();
    out.ms = ms_since(t0);
    out.done = clock_type::now();
    out.ok = !err;
    out.code = code_of(err);
    return out;
  }

  outcome checkpoint_once() {
    return timed([&] {
      auto rec = cps->load("stall_projection");
      return rec ? caf::error{} : rec.error();
    });
  }

  outcome snapshot_once() {
    return timed([&] {
      snapshot s{"stall-0", 1, "note", 1, "{}", 0};
      if (auto err = snaps->save(s))
        return err;
      auto got = snaps->load("stall-0");
      return got ? caf::error{} : got.error();
    });
  }

  /// Every kind of call, once (appends: a burst of 10 at once).
  std::map<std::string, std::vector<outcome>> probe_all() {
    std::map<std::string, std::vector<outcome>> result;
    // Sent at once and answered concurrently with the others below.
    result["append"] = append_burst(10);
    result["read"] = {read_once()};
    result["checkpoint"] = {checkpoint_once()};
    result["snapshot"] = {snapshot_once()};
    return result;
  }

  /// While the server is down or stopped: every call fails, within `bound`.
  void expect_bounded_failures(const char* what) {
    for (int round = 0; round < 2; ++round)
      for (auto& [kind, outs] : probe_all())
        for (auto& o : outs) {
          BOOST_TEST(!o.ok, what << ": " << kind << " succeeded");
          BOOST_TEST(is_unavailable(o.code),
                     what << ": " << kind << " failed with "
                          << to_string(o.code));
          BOOST_TEST(o.ms < bound_ms,
                     what << ": " << kind << " took " << o.ms << " ms");
          std::printf("%s round %d: %s failed in %.0f ms (%s)\n", what, round,
                      kind.c_str(), o.ms, to_string(o.code));
        }
  }

  /// Once the server is back: waits until every kind of call succeeds;
  /// prints how long each took to recover.
  void expect_recovery(const char* what, clock_type::time_point back) {
    std::map<std::string, double> recovered_ms;
    auto kinds = 4u;
    while (recovered_ms.size() < kinds && clock_type::now() - back < recovery_bound) {
      for (auto& [kind, outs] : probe_all()) {
        auto all_ok = std::all_of(outs.begin(), outs.end(),
                                  [](const outcome& o) { return o.ok; });
        if (all_ok && recovered_ms.count(kind) == 0) {
          auto last = std::max_element(outs.begin(), outs.end(),
                                       [](const outcome& x, const outcome& y) {
                                         return x.done < y.done;
                                       });
          recovered_ms[kind] = std::chrono::duration<double, std::milli>(
                                 last->done - back)
                                 .count();
        }
      }
      if (recovered_ms.size() < kinds)
        std::this_thread::sleep_for(50ms); // a poll interval, not a wait
    }
    for (auto kind : {"append", "read", "checkpoint", "snapshot"}) {
      BOOST_TEST(recovered_ms.count(kind) == 1u,
                 what << ": " << kind << " did not recover");
      if (recovered_ms.count(kind) != 0)
        std::printf("%s: %s recovered %.0f ms after the server was back\n",
                    what, kind, recovered_ms[kind]);
    }
  }

  /// Every acknowledged event is stored at its position, and positions are
  /// dense from 1.
  void expect_nothing_lost() {
    auto all = store->read_all(1, 1000000);
    BOOST_REQUIRE_MESSAGE(all, why(all));
    for (size_t i = 0; i < all->size(); ++i)
      BOOST_TEST((*all)[i].global_position == static_cast<int64_t>(i + 1));
    for (auto& ev : *all)
      BOOST_TEST(sent.count(ev.stream_id) == 1u);
    for (auto pos : acked)
      BOOST_TEST(pos <= static_cast<int64_t>(all->size()),
                 "acknowledged event at " << pos << " is missing");
    std::printf("%zu acknowledged events, %zu stored, positions dense\n",
                acked.size(), all->size());
  }
};

} // namespace

BOOST_AUTO_TEST_SUITE(postgres_stall)

BOOST_FIXTURE_TEST_CASE(a_stopped_server_fails_calls_in_bounded_time_and_recovers,
                        stall_fixture) {
  if (!ready())
    return;
  auto lease = cps->try_lead("stall_projection");
  BOOST_REQUIRE(lease && *lease);
  BOOST_REQUIRE(server.freeze() > 1);
  expect_bounded_failures("SIGSTOP");
  // A runner lease whose server does not answer is lost, in bounded time.
  auto t0 = clock_type::now();
  BOOST_TEST(!(*lease)->held());
  BOOST_TEST(ms_since(t0) < bound_ms);
  std::printf("SIGSTOP: lease found lost in %.0f ms\n", ms_since(t0));
  server.thaw();
  expect_recovery("SIGCONT", clock_type::now());
  // The server dropped the lost lease's lock with its session.
  lease->reset();
  auto again = cps->try_lead("stall_projection");
  for (auto until = clock_type::now() + recovery_bound;
       again && !*again && clock_type::now() < until;
       again = cps->try_lead("stall_projection"))
    std::this_thread::sleep_for(50ms); // a poll interval, not a wait
  BOOST_TEST((again && *again), "the lease was not free again");
  expect_nothing_lost();
}

BOOST_FIXTURE_TEST_CASE(a_crashed_server_fails_calls_and_is_reconnected,
                        stall_fixture) {
  if (!ready())
    return;
  BOOST_REQUIRE(server.stop());
  expect_bounded_failures("stopped");
  BOOST_REQUIRE(server.start());
  expect_recovery("restarted", clock_type::now());
  expect_nothing_lost();
}

BOOST_AUTO_TEST_SUITE_END()
