// The HTTP API end to end on PostgreSQL: commands, queries with
// read-your-writes, every error status, and garbage bodies.

#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <utility>
#include <thread>

#include "http_fixture.hpp"
#include "mink/uuid.hpp"
#include "../support/metric_sample.hpp"

using namespace bank_test;

namespace {

std::string deposit_body(int64_t amount) {
  return R"({"amount":)" + std::to_string(amount) + "}";
}

} // namespace

BOOST_AUTO_TEST_SUITE(http_api)

BOOST_AUTO_TEST_CASE(commands_and_queries_with_read_your_writes) {
  service_fixture f{"rw"};
  auto& c = *f.http;
  auto open = c.post("/accounts", R"({"owner":"Ada","id":"ada-1"})",
                     {{"X-Correlation-Id", "corr-42"}});
  BOOST_REQUIRE_EQUAL(open.status, 201);
  BOOST_CHECK_EQUAL(open.str("id"), "ada-1");
  BOOST_CHECK_EQUAL(open.header("X-Correlation-Id"), "corr-42");
  auto dep = c.post("/accounts/ada-1/deposit", deposit_body(700));
  BOOST_REQUIRE_EQUAL(dep.status, 200);
  BOOST_CHECK_EQUAL(dep.num("version"), 2);
  auto wd = c.post("/accounts/ada-1/withdraw", deposit_body(200));
  BOOST_REQUIRE_EQUAL(wd.status, 200);
  auto pos = std::to_string(wd.num("position"));
  auto acc = c.get("/accounts/ada-1?position=" + pos);
  BOOST_REQUIRE_EQUAL(acc.status, 200);
  BOOST_CHECK_EQUAL(acc.num("balance"), 500);
  BOOST_CHECK_EQUAL(acc.str("owner"), "Ada");
  BOOST_CHECK_EQUAL(acc.str("status"), "open");
  auto hist = c.get("/accounts/ada-1/history?position=" + pos);
  BOOST_REQUIRE_EQUAL(hist.status, 200);
  BOOST_REQUIRE(hist.json["entries"].IsArray());
  BOOST_CHECK_EQUAL(hist.json["entries"].Size(), 3u);
  auto total = c.get("/total?position=" + pos);
  BOOST_REQUIRE_EQUAL(total.status, 200);
  BOOST_CHECK_EQUAL(total.num("total"), 500);
  BOOST_CHECK_EQUAL(total.num("sum_of_balances"), 500);
  // The correlation id reached the stored events.
  auto n = pg_exec("SELECT count(*) FROM " + f.schema
                   + ".events WHERE stream_id = 'account-ada-1' AND "
                     "metadata->>'correlation_id' = 'corr-42'");
  BOOST_CHECK_EQUAL(n, "1");
  // An Idempotency-Key makes a repeated deposit a no-op.
  auto key = mink::make_uuid();
  auto d1 = c.post("/accounts/ada-1/deposit", deposit_body(5),
                   {{"Idempotency-Key", key}});
  auto d2 = c.post("/accounts/ada-1/deposit", deposit_body(5),
                   {{"Idempotency-Key", key}});
  BOOST_REQUIRE_EQUAL(d1.status, 200);
  BOOST_REQUIRE_EQUAL(d2.status, 200);
  BOOST_CHECK_EQUAL(d1.num("position"), d2.num("position"));
  acc = c.get("/accounts/ada-1?position=" + std::to_string(d2.num("position")));
  BOOST_CHECK_EQUAL(acc.num("balance"), 505);
  // Health and metrics.
  auto health = c.get("/health");
  BOOST_CHECK_EQUAL(health.status, 200);
  BOOST_CHECK_EQUAL(health.str("status"), "ok");
  auto metrics = c.get("/metrics");
  BOOST_CHECK_EQUAL(metrics.status, 200);
  // Sample lines (not only # HELP), with the least value each must have.
  std::pair<const char*, double> samples[] = {
    {"mink_events_appended_total", 1},
    {"mink_commands_total{outcome=\"ok\",type=\"deposit\"}", 2},
    {"mink_command_duration_seconds_count{type=\"deposit\"}", 2},
    {"mink_append_duration_seconds_count", 1},
    {"mink_append_batch_events_count", 1},
    {"mink_projection_position{projection=\"bank_accounts\"}", 1},
    {"mink_projection_lag_events{projection=\"bank_accounts\"}", 0},
    {"mink_projection_lag_seconds{projection=\"bank_accounts\"}", 0},
    {"mink_projection_state{projection=\"bank_accounts\",state=\"running\"}", 1},
    {"mink_live_aggregates{type=\"account\"}", 1},
    {"mink_snapshots_written_total", 0},
    {"mink_snapshots_ignored_total", 0},
    {"mink_append_conflicts_total", 0},
    {"mink_command_retries_total", 0},
    {"mink_http_requests_total{route=\"POST /accounts\",status=\"201\"}", 1},
    {"mink_saga_events_total{saga=\"bank.transfer\"}", 0},
    {"mink_saga_commands_total{saga=\"bank.transfer\"}", 0}};
  for (const auto& [series, least] : samples) {
    auto value = mink::test_support::metric_sample(metrics.body, series);
    BOOST_CHECK_MESSAGE(value, "metrics lack " << series);
    if (!value)
      continue;
    BOOST_CHECK_MESSAGE(*value >= least, series << " is " << *value
                                                << ", expected at least "
                                                << least);
  }
}

BOOST_AUTO_TEST_CASE(transfers_complete_or_compensate) {
  service_fixture f{"tr"};
  auto& c = *f.http;
  auto a = c.open("Ada");
  auto b = c.open("Bob");
  auto e = c.open("Eve");
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + a + "/deposit", deposit_body(1000)).status, 200);
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + e + "/close", "").status, 200);
  auto t1 = c.post("/transfers", R"({"from":")" + a + R"(","to":")" + b
                                   + R"(","amount":300})");
  BOOST_REQUIRE_EQUAL(t1.status, 202);
  BOOST_CHECK_EQUAL(c.await_transfer(t1.str("id")).str("status"), "completed");
  auto t2 = c.post("/transfers", R"({"from":")" + a + R"(","to":")" + e
                                   + R"(","amount":200})");
  BOOST_REQUIRE_EQUAL(t2.status, 202);
  auto done = c.await_transfer(t2.str("id"));
  BOOST_CHECK_EQUAL(done.str("status"), "compensated");
  BOOST_CHECK(done.str("reason").find("account_closed") != std::string::npos);
  auto t3 = c.post("/transfers", R"({"from":")" + b + R"(","to":")" + a
                                   + R"(","amount":301})");
  BOOST_CHECK_EQUAL(c.await_transfer(t3.str("id")).str("status"), "rejected");
  auto pos = std::to_string(c.head());
  BOOST_CHECK_EQUAL(c.get("/accounts/" + a + "?position=" + pos).num("balance"), 700);
  BOOST_CHECK_EQUAL(c.get("/accounts/" + b + "?position=" + pos).num("balance"), 300);
  BOOST_CHECK_EQUAL(c.get("/accounts/" + e + "?position=" + pos).num("balance"), 0);
  auto total = c.get("/total?position=" + pos);
  BOOST_CHECK_EQUAL(total.num("total"), 1000);
  BOOST_CHECK_EQUAL(total.num("sum_of_balances"), 1000);
  BOOST_CHECK_EQUAL(total.num("in_transit"), 0);
}

BOOST_AUTO_TEST_CASE(every_client_error_status) {
  service_fixture f{"err", [](bank::service_config& cfg) {
                      cfg.body_limit = 512;
                      cfg.read_timeout_ms = 100;
                    }};
  auto& c = *f.http;
  auto a = c.open("Ada");
  auto check = [&](answer res, int status, const std::string& code) {
    BOOST_CHECK_EQUAL(res.status, status);
    BOOST_CHECK_MESSAGE(res.str("error") == code,
                        "expected error " << code << ", got " << res.body);
    BOOST_CHECK(!res.str("message").empty());
    BOOST_CHECK_EQUAL(res.header("Content-Type"), "application/json");
  };
  // 400: the request itself is malformed.
  check(c.post("/accounts", "{\"owner\": "), 400, "malformed_json");
  check(c.post("/accounts", "[1,2]"), 400, "malformed_json");
  check(c.post("/accounts", "{}"), 400, "missing_field");
  check(c.post("/accounts", R"({"owner":5})"), 400, "invalid_field");
  check(c.post("/accounts", R"({"owner":"x","id":"no spaces"})"), 400, "invalid_field");
  check(c.post("/accounts/" + a + "/deposit", R"({"amount":1.5})"), 400, "invalid_field");
  check(c.post("/accounts/" + a + "/deposit", R"({"amount":99999999999999999999})"),
        400, "invalid_field");
  check(c.post("/accounts/" + a + "/deposit", R"({"sum":1})"), 400, "missing_field");
  check(c.post("/transfers", R"({"from":"a","amount":1})"), 400, "missing_field");
  check(c.get("/accounts/" + a + "?position=abc"), 400, "invalid_parameter");
  check(c.get("/accounts/" + a + "/history?limit=0"), 400, "invalid_parameter");
  check(c.post("/accounts/" + a + "/deposit", deposit_body(1),
               {{"Idempotency-Key", "not-a-uuid"}}),
        400, "invalid_header");
  // 404: unknown routes and unknown accounts.
  check(c.get("/nowhere"), 404, "not_found");
  check(c.post("/accounts/" + a + "/explode", "{}"), 404, "not_found");
  check(c.post("/total", "{}"), 405, "method_not_allowed");
  check(c.get("/accounts/nobody"), 404, "account_not_found");
  check(c.post("/accounts/nobody/deposit", deposit_body(1)), 404, "account_not_found");
  check(c.get("/transfers/none"), 404, "transfer_not_found");
  // 413: a body over the limit.
  check(c.post("/accounts", R"({"owner":")" + std::string(600, 'x') + R"("})"),
        413, "payload_too_large");
  // 409: the request conflicts with the state.
  c.post("/accounts", R"({"owner":"Bob","id":"bob-9"})");
  check(c.post("/accounts", R"({"owner":"Carl","id":"bob-9"})"), 409,
        "account_already_open");
  BOOST_REQUIRE_EQUAL(c.post("/accounts/bob-9/close", "").status, 200);
  check(c.post("/accounts/bob-9/deposit", deposit_body(1)), 409, "account_closed");
  // 422: a business rule refuses it.
  check(c.post("/accounts/" + a + "/withdraw", deposit_body(1)), 422,
        "insufficient_funds");
  check(c.post("/accounts/" + a + "/deposit", deposit_body(0)), 422, "invalid_amount");
  check(c.post("/accounts", R"({"owner":""})"), 422, "invalid_owner");
  check(c.post("/transfers", R"({"from":")" + a + R"(","to":")" + a
                               + R"(","amount":1})"),
        422, "same_account");
  check(c.post("/accounts", std::string{R"({"owner":"ann)"} + "\\u0000evil\"}"),
        422, "invalid_owner");
  check(c.post("/accounts", R"({"owner":"ann\nevil"})"), 422, "invalid_owner");
  // A key given twice: which one would count is not obvious.
  check(c.post("/accounts/" + a + "/deposit", R"({"amount":1,"amount":-1})"),
        400, "malformed_json");
  // A position the store has not reached: refused at once, not waited for.
  check(c.get("/accounts/" + a + "?position=999999999"), 400,
        "position_beyond_head");
}

BOOST_AUTO_TEST_CASE(garbage_never_crashes_the_service) {
  service_fixture f{"fuzz"};
  auto& c = *f.http;
  auto a = c.open("Ada");
  std::mt19937 rng{42};
  std::vector<std::string> seeds{R"({"owner":"x"})", R"({"amount":5})",
                                 R"({"from":"a","to":"b","amount":1})",
                                 "[[[[[[[[", std::string(4000, '['),
                                 std::string(2000, '{'), "\"\\u0000\"",
                                 "{\"owner\":\"\xff\xfe\"}"};
  std::vector<std::string> paths{"/accounts", "/accounts/" + a + "/deposit",
                                 "/accounts/" + a + "/withdraw",
                                 "/accounts/" + a + "/close", "/transfers"};
  for (int i = 0; i < 300; ++i) {
    auto body = seeds[rng() % seeds.size()];
    auto flips = rng() % 4;
    for (size_t k = 0; k < flips && !body.empty(); ++k)
      body[rng() % body.size()] = static_cast<char>(rng() % 256);
    if (rng() % 3 == 0)
      body = body.substr(0, rng() % (body.size() + 1));
    auto res = c.post(paths[rng() % paths.size()], body);
    BOOST_CHECK_MESSAGE(res.status >= 200 && res.status < 500,
                        "status " << res.status << " for body " << body);
  }
  BOOST_CHECK_EQUAL(c.get("/health").status, 200);
}

BOOST_AUTO_TEST_CASE(overload_is_503) {
  // No room for a single append: every command is refused `overloaded`.
  service_fixture f{"over", [](bank::service_config& cfg) {
                      cfg.max_queued_appends = 0;
                    }};
  auto res = f.http->post("/accounts", R"({"owner":"Ada"})");
  BOOST_CHECK_EQUAL(res.status, 503);
  BOOST_CHECK_EQUAL(res.str("error"), "overloaded");
}

BOOST_AUTO_TEST_CASE(store_outage_is_503_and_unhealthy) {
  // The service logs in as a role of its own; taking its login away and
  // ending its connections is a store outage the service cannot repair.
  auto role = "bank_outage_" + std::to_string(::getpid());
  pg_exec("DROP ROLE IF EXISTS " + role);
  pg_exec("CREATE ROLE " + role + " LOGIN SUPERUSER");
  {
    service_fixture f{"outage", [](bank::service_config& cfg) {
                        cfg.postgres += " user=bank_outage_"
                                        + std::to_string(::getpid());
                        cfg.command_timeout_ms = 5000;
                      }};
    auto& c = *f.http;
    auto a = c.open("Ada");
    BOOST_REQUIRE_EQUAL(c.get("/health").status, 200);
    pg_exec("ALTER ROLE " + role + " NOLOGIN");
    pg_exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
            "usename = '" + role + "'");
    auto res = c.post("/accounts/" + a + "/deposit", deposit_body(5));
    BOOST_CHECK_EQUAL(res.status, 503);
    BOOST_CHECK_MESSAGE(res.str("error") == "store_unavailable"
                          || res.str("error") == "timeout",
                        res.body);
    auto health = c.get("/health");
    BOOST_CHECK_EQUAL(health.status, 503);
    BOOST_CHECK(health.str("reason").find("store") != std::string::npos);
    // The store comes back: so does the service.
    pg_exec("ALTER ROLE " + role + " LOGIN");
    int status = 0;
    for (int i = 0; i < 500 && status != 200; ++i) {
      status = c.post("/accounts/" + a + "/deposit", deposit_body(5)).status;
      if (status != 200)
        std::this_thread::sleep_for(std::chrono::milliseconds{20});
    }
    BOOST_CHECK_EQUAL(status, 200);
    BOOST_CHECK_EQUAL(c.get("/health").status, 200);
  }
  pg_exec("DROP ROLE IF EXISTS " + role);
}

BOOST_AUTO_TEST_SUITE_END()
