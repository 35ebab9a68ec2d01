// Events stored corrupt (written into the SQLite file with the sqlite3 API,
// past mink's checks): data that is not JSON or not UTF-8, a type nobody
// knows, metadata that is not JSON. The CLI shows what it can and refuses
// with a message naming the position what it cannot write as JSON; a
// projection parks the events (skip) or faults naming the position
// (fault), as its error policy says (docs/projections.md); nothing stored
// changes and no process dies.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <stdexcept>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <rapidjson/document.h>

#include "cli_hostile_support.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/errc.hpp"
#include "mink/adapters/sqlite/sqlite_checkpoint_store.hpp"

using namespace mink;
using namespace mink::hostile_test;
using cli_test::eventually;

namespace {

/// Sums the amounts of `Deposited` events; any other type or data that is
/// not `{"amount": <integer>}` is an error naming the position (or, when
/// `throws`, an exception: user code may throw).
class sums : public async_projection {
public:
  sums(std::string name, error_action action, bool throws)
    : name_(std::move(name)), action_(action), throws_(throws) {
    // nop
  }

  std::string name() const override { return name_; }

  error_policy policy() const override {
    error_policy p;
    p.action = action_;
    return p;
  }

  caf::error handle(const std::vector<recorded_event>& events) override {
    int64_t sum = 0;
    for (const auto& ev : events) {
      auto where = " at position " + std::to_string(ev.global_position);
      if (ev.type != "Deposited")
        return fail(errc::unknown_event_type, "unknown type " + ev.type + where);
      rapidjson::Document doc;
      doc.Parse<rapidjson::kParseValidateEncodingFlag>(ev.data.data(),
                                                       ev.data.size());
      if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("amount")
          || !doc["amount"].IsInt64())
        return fail(errc::decode_failed, "bad data" + where);
      sum += doc["amount"].GetInt64();
    }
    total += sum;
    return {};
  }

  std::atomic<int64_t> total{0};

private:
  caf::error fail(errc code, const std::string& what) {
    if (throws_)
      throw std::runtime_error(what);
    return make_error(code, what);
  }

  std::string name_;
  error_action action_;
  bool throws_;
};

/// The fixture's store (account-1 at positions 1-3, account-2 at 4-6,
/// amounts 1, 2, 3 each), corrupted, plus account-3 at 7-8 written after.
struct corrupt_fixture : store_fixture {
  corrupt_fixture() {
    sqlite_exec(db, "UPDATE mink_events SET data = '{\"amount\":' "
                    "WHERE position = 2");
    sqlite_exec(db, "UPDATE mink_events SET type = 'NoSuchType' "
                    "WHERE position = 5");
    // {"amount":"<ff>"}: not UTF-8.
    sqlite_exec(db, "UPDATE mink_events SET data = "
                    "CAST(X'7B22616D6F756E74223A22FF227D' AS TEXT) "
                    "WHERE position = 6");
    sqlite_config cfg;
    cfg.path = db;
    auto store = sqlite_event_store::open(cfg);
    BOOST_REQUIRE(static_cast<bool>(store));
    std::vector<event_data> events(2);
    for (auto& ev : events) {
      ev.type = "Deposited";
      ev.data = R"({"amount":10})";
    }
    BOOST_REQUIRE(static_cast<bool>(
      (*store)->append("account-3", expected_version::any(),
                       std::move(events))));
  }
};

struct cli_case {
  std::string name;
  std::vector<std::string> args;
  int exit_code;
  std::vector<std::string> says; // on stderr when failing, else on stdout
};

std::string events_of(const std::string& db) {
  return sqlite_query(db, "SELECT * FROM mink_events ORDER BY position");
}

void run_cases(store_fixture& f, const std::vector<cli_case>& cases) {
  auto before = fingerprint(f.db);
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      auto r = f.mink(c.args);
      check_clear_error(r, c.exit_code, c.exit_code == 0
                                          ? std::vector<std::string>{}
                                          : c.says);
      if (c.exit_code == 0)
        for (const auto& part : c.says)
          BOOST_CHECK_MESSAGE(contains(r.out, part),
                              "stdout lacks '" << part << "': " << r.out);
      BOOST_CHECK(fingerprint(f.db) == before);
    }
  }
}

} // namespace

BOOST_AUTO_TEST_SUITE(corrupt_events)

BOOST_AUTO_TEST_CASE(the_cli_shows_corrupt_events_or_names_them) {
  corrupt_fixture f;
  auto out = (f.dir.path / "out.ndjson").string();
  run_cases(f, {
    // The readable form shows the stored text as it is.
    {"events", {"events", "--all"}, 0,
     {"2  account-1@2  Deposited", "{\"amount\":\n", "5  account-2@2  "
                                                      "NoSuchType",
      "8  account-3@2"}},
    {"streams show", {"streams", "show", "account-2"}, 0,
     {"account-2@2  NoSuchType"}},
    // JSON output cannot carry data that is not JSON: refused, named.
    {"events --json", {"events", "--all", "--json"}, 1,
     {"event at position 2", "not JSON"}},
    {"streams show --json", {"streams", "show", "account-1", "--json"}, 1,
     {"event at position 2", "not JSON"}},
    {"streams show --json, not UTF-8",
     {"streams", "show", "account-2", "--json", "--from", "3"}, 1,
     {"event at position 6", "not JSON"}},
    {"export", {"-q", "export", "-o", out}, 1,
     {"event at position 2", "not JSON"}},
    // An unknown type is only a name to the CLI.
    {"events --json of an unknown type",
     {"events", "--from", "5", "--limit", "1", "--json"}, 0,
     {"\"type\":\"NoSuchType\""}},
    {"export after the corrupt ones", {"-q", "export", "--from", "7"}, 0,
     {"\"position\":8"}},
  });
}

BOOST_AUTO_TEST_CASE(the_cli_names_an_event_whose_metadata_is_corrupt) {
  store_fixture f;
  sqlite_exec(f.db, "UPDATE mink_events SET metadata = '{\"correlation_id\":' "
                    "WHERE position = 3");
  run_cases(f, {
    {"events", {"events", "--all"}, 1, {"event at position 3", "metadata"}},
    {"streams show", {"streams", "show", "account-1"}, 1,
     {"event at position 3"}},
    {"export", {"-q", "export"}, 1, {"event at position 3"}},
    {"events before it", {"events", "--limit", "2"}, 0, {"account-1@2"}},
    {"the other stream", {"streams", "show", "account-2"}, 0,
     {"account-2@3"}},
  });
}

BOOST_AUTO_TEST_CASE(projections_park_or_fault_on_corrupt_events) {
  corrupt_fixture f;
  auto events_before = events_of(f.db);
  std::shared_ptr<event_store> store;
  {
    sqlite_config cfg;
    cfg.path = f.db;
    auto s = sqlite_event_store::open(cfg);
    BOOST_REQUIRE(static_cast<bool>(s));
    store = std::move(*s);
    auto ck = sqlite_checkpoint_store::open(cfg);
    BOOST_REQUIRE(static_cast<bool>(ck));
    caf::actor_system_config sys_cfg;
    sys_cfg.set("scheduler.max-threads", 2);
    caf::actor_system sys{sys_cfg};
    std::shared_ptr<checkpoint_store> checkpoints{std::move(*ck)};
    runner_config rcfg;
    rcfg.control_interval = std::chrono::milliseconds{50};
    rcfg.report_interval = std::chrono::milliseconds{100};
    projection_engine engine{sys, store, checkpoints, {}, rcfg};
    auto skip = std::make_shared<sums>("skip", error_action::skip, false);
    auto skip_throw = std::make_shared<sums>("skip_throw", error_action::skip,
                                             true);
    auto fault = std::make_shared<sums>("fault", error_action::fault, false);
    BOOST_REQUIRE(!engine.add(skip));
    BOOST_REQUIRE(!engine.add(skip_throw));
    BOOST_REQUIRE(!engine.add(fault));
    // skip: positions 2, 5 and 6 parked, the others applied, at the head.
    for (auto& p : {skip, skip_throw}) {
      BOOST_TEST_CONTEXT(p->name()) {
        auto st = engine.status(p->name());
        BOOST_REQUIRE(eventually([&] { return st->position() == 8; }));
        BOOST_CHECK_EQUAL(p->total.load(), 1 + 3 + 1 + 10 + 10);
        BOOST_CHECK_EQUAL(st->dead_letters(), 3u);
        auto letters = checkpoints->dead_letters(p->name(), 10);
        BOOST_REQUIRE(static_cast<bool>(letters));
        std::string parked;
        for (const auto& l : *letters)
          parked += std::to_string(l.position) + ":" + l.error + "\n";
        for (auto pos : {"2:", "5:", "6:"})
          BOOST_CHECK_MESSAGE(contains(parked, pos), parked);
        BOOST_CHECK_MESSAGE(contains(parked, "unknown type NoSuchType at "
                                             "position 5"),
                            parked);
      }
    }
    // fault: stops before position 2, naming it; the others keep going.
    auto st = engine.status("fault");
    BOOST_REQUIRE(eventually(
      [&] { return st->state() == projection_state::faulted; }));
    BOOST_CHECK_EQUAL(st->position(), 1);
    BOOST_CHECK_MESSAGE(contains(st->last_error(), "bad data at position 2"),
                        st->last_error());
    // The CLI tells the operator.
    BOOST_REQUIRE(eventually([&] {
      return contains(f.mink({"projections", "list"}).out, "fault\tfaulted");
    }));
    auto diag = f.mink({"diagnose"});
    BOOST_CHECK_EQUAL(diag.exit_code, 3);
    BOOST_CHECK_MESSAGE(contains(diag.out, "fault"), diag.out);
    engine.stop();
  }
  // The events are as they were (the projections wrote only their own
  // records).
  BOOST_CHECK(events_of(f.db) == events_before);
}

BOOST_AUTO_TEST_CASE(a_projection_names_an_event_it_cannot_read) {
  // Metadata that is not JSON fails the store's read of every batch that
  // holds it: the runner applies nothing of such a batch, reports the
  // error naming the position and retries (the event never reaches the error
  // policy); the process lives and stops cleanly.
  store_fixture f;
  sqlite_exec(f.db, "UPDATE mink_events SET metadata = 'x' WHERE position = 4");
  sqlite_config cfg;
  cfg.path = f.db;
  auto s = sqlite_event_store::open(cfg);
  BOOST_REQUIRE(static_cast<bool>(s));
  std::shared_ptr<event_store> store{std::move(*s)};
  auto ck = sqlite_checkpoint_store::open(cfg);
  BOOST_REQUIRE(static_cast<bool>(ck));
  caf::actor_system_config sys_cfg;
  sys_cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{sys_cfg};
  runner_config rcfg;
  rcfg.store_retry = std::chrono::milliseconds{50};
  projection_engine engine{sys, store,
                           std::shared_ptr<checkpoint_store>{std::move(*ck)},
                           {}, rcfg};
  auto p = std::make_shared<sums>("reader", error_action::skip, false);
  BOOST_REQUIRE(!engine.add(p));
  auto st = engine.status("reader");
  BOOST_REQUIRE(eventually(
    [&] { return contains(st->last_error(), "event at position 4"); }));
  BOOST_CHECK_MESSAGE(contains(st->last_error(), "metadata"),
                      st->last_error());
  BOOST_CHECK_EQUAL(p->total.load(), 0);
  engine.stop();
}

BOOST_AUTO_TEST_SUITE_END()
