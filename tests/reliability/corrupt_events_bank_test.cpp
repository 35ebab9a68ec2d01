// Events of an account corrupted in PostgreSQL (SQL past mink's checks:
// data of the wrong shape, a type nobody knows, a schema version from the
// future, metadata that is not an object), read by a restarted bank
// service: commands to such an account get a clear 5xx with an error code,
// the service stays up, and other accounts are unaffected.

#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "../bank/http_fixture.hpp"
#include "mink/errc.hpp"

using namespace bank_test;

namespace {

struct corruption {
  std::string name;
  std::string set;  // SQL assignments to the account's deposit event
  std::string code; // the answer's "error"; none: the deposit succeeds
};

std::vector<corruption> corruptions() {
  return {
    {"amount a string", R"(data = '{"amount":"x"}')", "decode_failed"},
    {"data an array", "data = '[]'", "decode_failed"},
    {"data a string", R"(data = '"text"')", "decode_failed"},
    {"amount missing", R"(data = '{}')", "decode_failed"},
    {"unknown type", "type = 'NoSuchType'", "unknown_event_type"},
    {"future schema version", "schema_version = 99", "decode_failed"},
    {"metadata an array", "metadata = '[]'", "decode_failed"},
    {"metadata field a number", R"(metadata = '{"correlation_id":5}')",
     "decode_failed"},
    {"amount negative", R"(data = '{"amount":-1000000}')", ""},
    {"type with SQL", "type = '''; DROP TABLE events; --'",
     "unknown_event_type"},
  };
}

} // namespace

BOOST_AUTO_TEST_SUITE(corrupt_events_bank)

BOOST_AUTO_TEST_CASE(corrupt_events_of_one_account_get_a_clear_error) {
  service_fixture f{"corrupt"};
  auto cases = corruptions();
  std::vector<std::string> ids;
  for (size_t i = 0; i < cases.size(); ++i) {
    auto id = f.http->open("owner" + std::to_string(i));
    BOOST_REQUIRE_EQUAL(
      f.http->post("/accounts/" + id + "/deposit", R"({"amount":100})").status,
      200);
    ids.push_back(id);
  }
  auto healthy = f.http->open("healthy");
  auto last = f.http->post("/accounts/" + healthy + "/deposit",
                           R"({"amount":50})");
  BOOST_REQUIRE_EQUAL(last.status, 200);
  // The read models hold every deposit before the stop (their runners
  // apply live events in batches, up to `projection_linger_ms` later).
  auto upto = "?position=" + std::to_string(last.num("position"));
  BOOST_REQUIRE_EQUAL(f.http->get("/accounts/" + healthy + upto).status, 200);
  BOOST_REQUIRE_EQUAL(f.http->get("/total" + upto).status, 200);
  // Stop, corrupt each account's deposit, drop the snapshots, start again:
  // the aggregates load from the corrupt events.
  f.http.reset();
  f.svc->stop();
  f.svc.reset();
  for (size_t i = 0; i < cases.size(); ++i)
    pg_exec("UPDATE " + f.schema + ".events SET " + cases[i].set
            + " WHERE type = 'MoneyDeposited' AND stream_id LIKE '%-"
            + ids[i] + "'");
  pg_exec("DELETE FROM " + f.schema + ".snapshots");
  auto head = pg_exec("SELECT max(position) FROM " + f.schema + ".events");
  auto started = bank::service::start(f.cfg);
  if (!started)
    BOOST_FAIL("restart: " << mink::to_text(started.error()));
  f.svc = std::move(*started);
  f.http = std::make_unique<client>(f.cfg.listen_address, f.svc->port());
  auto& c = *f.http;
  for (size_t i = 0; i < cases.size(); ++i) {
    BOOST_TEST_CONTEXT(cases[i].name) {
      auto a = c.post("/accounts/" + ids[i] + "/deposit", R"({"amount":1})");
      if (cases[i].code.empty()) {
        // Well-formed but against the rules: the account replays it as
        // stored, and the next deposit goes on from there.
        BOOST_CHECK_EQUAL(a.status, 200);
        continue;
      }
      BOOST_CHECK_MESSAGE(a.status == 500,
                          "status " << a.status << ": " << a.body);
      BOOST_CHECK_EQUAL(a.str("error"), cases[i].code);
      BOOST_CHECK_MESSAGE(a.str("message").find("position")
                            != std::string::npos,
                          "the message names no position: " << a.body);
      // Queries answer from the read model, which holds what was applied.
      BOOST_CHECK_EQUAL(c.get("/accounts/" + ids[i]).status, 200);
    }
  }
  // Nothing was stored for them; the healthy account and the service go on.
  BOOST_CHECK_EQUAL(pg_exec("SELECT max(position) FROM " + f.schema
                            + ".events"),
                    std::to_string(std::stoll(head) + 1));
  auto dep = c.post("/accounts/" + healthy + "/deposit", R"({"amount":5})");
  BOOST_CHECK_EQUAL(dep.status, 200);
  BOOST_CHECK_EQUAL(c.get("/accounts/" + healthy + "?position="
                          + std::to_string(dep.num("position")))
                      .num("balance"),
                    55);
  BOOST_CHECK_EQUAL(c.get("/health").status, 200);
}

BOOST_AUTO_TEST_SUITE_END()
