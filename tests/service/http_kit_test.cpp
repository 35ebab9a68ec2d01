// The service kit's HTTP side on a real runtime (SQLite): commands answered
// from their reply, `?position=N` read-your-writes, error mapping, the
// admin token, health and metrics. Handlers are called through the router
// as the server calls them; the server itself is tested in tests/http/.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <string>

#include <rapidjson/document.h>

#include "../support/error_text.hpp"
#include "../support/eventually.hpp"
#include "../support/metric_sample.hpp"
#include "../support/test_account.hpp"
#include "mink/actors/projection_engine.hpp"
#include "mink/actors/runtime.hpp"
#include "mink/business_error.hpp"
#include "mink/http/command_meta.hpp"
#include "mink/http/json_body.hpp"
#include "mink/service/http_kit.hpp"
#include "mink/service/service_config.hpp"
#include "mink/service/service_metrics.hpp"
#include "mink/uuid.hpp"

using namespace mink;
using mink::test_support::why;
namespace fs = std::filesystem;

namespace {

constexpr const char* token = "kit-test-token-0123456789";

/// Counts the events it applied (an in-memory read model).
struct counting_projection : async_projection {
  std::atomic<int64_t> seen{0};

  std::string name() const override { return "counted"; }

  caf::error handle(const std::vector<recorded_event>& events) override {
    seen += static_cast<int64_t>(events.size());
    return {};
  }
};

struct answer {
  int status = 0;
  std::string body;
  http::fields headers;

  std::string str(const char* key) const {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    return doc.IsObject() && doc.HasMember(key) && doc[key].IsString()
             ? doc[key].GetString()
             : std::string{};
  }

  int64_t num(const char* key) const {
    rapidjson::Document doc;
    doc.Parse(body.c_str());
    return doc.IsObject() && doc.HasMember(key) && doc[key].IsInt64()
             ? doc[key].GetInt64()
             : -1;
  }
};

struct kit_fixture {
  fs::path dir = fs::temp_directory_path() / ("mink-kit-" + make_uuid());
  std::unique_ptr<runtime> rt;
  std::shared_ptr<counting_projection> counted
    = std::make_shared<counting_projection>();
  std::shared_ptr<service_metrics> metrics
    = std::make_shared<service_metrics>();
  std::shared_ptr<http_kit> kit;
  http::router routes;

  kit_fixture() {
    fs::create_directories(dir);
    service_config cfg;
    BOOST_REQUIRE(!set_option(cfg, "store", "sqlite:" + (dir / "kit.db").string()));
    BOOST_REQUIRE(!set_option(cfg, "admin_token", token));
    BOOST_REQUIRE(!set_option(cfg, "threads", "2"));
    BOOST_REQUIRE(!set_option(cfg, "storage_interval_ms", "50"));
    auto registry = std::make_shared<event_registry>();
    BOOST_REQUIRE(!test_domain::register_events(*registry));
    auto started = runtime::start(to_runtime_config(cfg, nullptr), registry);
    BOOST_REQUIRE_MESSAGE(started, why(started));
    rt = std::move(*started);
    BOOST_REQUIRE(rt->add_aggregate<test_domain::account_decider>(
      "account", {"account_command"}));
    BOOST_REQUIRE(!rt->start_commands({}));
    BOOST_REQUIRE(!rt->projections().add(
      std::static_pointer_cast<async_projection>(counted)));
    metrics->set_sources(sources_of(*rt));
    auto kit_cfg = to_kit_config(cfg);
    kit_cfg.business = [](const caf::error& err)
      -> std::optional<http::http_error> {
      if (!is_business_error(err))
        return std::nullopt;
      return http::http_error{422, "refused", "the account refused"};
    };
    kit = http_kit::make(std::move(kit_cfg), *rt, metrics, nullptr);
    add_routes();
  }

  ~kit_fixture() {
    kit->stop();
    rt->stop();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }

  void add_routes() {
    auto k = kit;
    routes.add("POST", "/accounts/{id}/deposit",
               [k](const http::request& req, http::responder reply) {
                 std::string id;
                 std::string cid;
                 metadata meta;
                 if (auto err = http::path_id(req, "account", id))
                   return k->send_error(reply, *err);
                 if (auto err = http::command_meta(req, meta, cid))
                   return k->send_error(reply, *err);
                 auto env = test_domain::make_command(
                   id, test_domain::deposit{10});
                 env.command_id = cid;
                 k->command(std::move(reply), std::move(env), 200, id);
               });
    routes.add("POST", "/accounts/{id}/open",
               [k](const http::request& req, http::responder reply) {
                 k->command(std::move(reply),
                            test_domain::make_command(
                              req.params.at(0), test_domain::open_account{"K"}),
                            201, req.params.at(0));
               });
    auto c = counted;
    routes.add("GET", "/count",
               [k, c](const http::request& req, http::responder reply) {
                 k->read(req, std::move(reply), {"counted"},
                         [c](soci::session&) -> query_answer {
                           return http::json_object(200, [&](auto& w) {
                             http::put(w, "count", c->seen.load());
                           });
                         });
               });
    kit->add_standard_routes(routes);
  }

  /// Calls the route for `method target` as the server would, and waits
  /// (bounded) for its answer.
  answer call(const std::string& method, const std::string& target,
              std::string body = {}, http::fields headers = {}) {
    http::request req;
    req.method = method;
    req.target = target;
    auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) {
      auto rest = target.substr(q + 1);
      auto eq = rest.find('=');
      req.query.emplace_back(rest.substr(0, eq), rest.substr(eq + 1));
    }
    req.headers = std::move(headers);
    req.body = std::move(body);
    req.correlation_id = make_uuid();
    auto found = routes.find(req.method, req.path);
    BOOST_REQUIRE_MESSAGE(found.fn != nullptr, "no route for " << target);
    req.params = found.params;
    req.route = found.route;
    auto done = std::make_shared<std::promise<http::response>>();
    auto got = done->get_future();
    (*found.fn)(req, http::responder{[done](http::response res) {
                                       done->set_value(std::move(res));
                                     },
                                     req.correlation_id});
    BOOST_REQUIRE_MESSAGE(got.wait_for(std::chrono::seconds{30})
                            == std::future_status::ready,
                          "no answer to " << method << " " << target);
    auto res = got.get();
    return answer{res.status, res.body, res.headers};
  }
};

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_kit_tests, kit_fixture)

BOOST_AUTO_TEST_CASE(a_read_with_a_position_sees_the_command_it_follows) {
  BOOST_REQUIRE_EQUAL(call("POST", "/accounts/k1/open").status, 201);
  auto dep = call("POST", "/accounts/k1/deposit", "{}");
  BOOST_REQUIRE_EQUAL(dep.status, 200);
  BOOST_TEST(dep.str("id") == "k1");
  BOOST_TEST(dep.num("version") == 2);
  auto position = dep.num("position");
  BOOST_REQUIRE(position >= 2);
  auto read = call("GET", "/count?position=" + std::to_string(position));
  BOOST_REQUIRE_EQUAL(read.status, 200);
  // The projection applied every event up to the command's position.
  BOOST_TEST(read.num("count") >= position);
}

BOOST_AUTO_TEST_CASE(bad_positions_are_refused_by_name) {
  auto bad = call("GET", "/count?position=x");
  BOOST_TEST(bad.status == 400);
  BOOST_TEST(bad.str("error") == "invalid_parameter");
  auto beyond = call("GET", "/count?position=1000000");
  BOOST_TEST(beyond.status == 400);
  BOOST_TEST(beyond.str("error") == "position_beyond_head");
}

BOOST_AUTO_TEST_CASE(errors_are_mapped_from_business_errors_and_errc) {
  // Depositing to an account never opened: the account's business error,
  // through the service's map.
  auto refused = call("POST", "/accounts/nobody/deposit", "{}");
  BOOST_TEST(refused.status == 422);
  BOOST_TEST(refused.str("error") == "refused");
  auto bad_key = call("POST", "/accounts/k2/deposit", "{}",
                      {{"idempotency-key", "not-a-uuid"}});
  BOOST_TEST(bad_key.status == 400);
  BOOST_TEST(bad_key.str("error") == "invalid_header");
  // The same Idempotency-Key twice is one command: the same answer.
  BOOST_REQUIRE_EQUAL(call("POST", "/accounts/k2/open").status, 201);
  http::fields key{{"idempotency-key", make_uuid()}};
  auto first = call("POST", "/accounts/k2/deposit", "{}", key);
  auto again = call("POST", "/accounts/k2/deposit", "{}", key);
  BOOST_REQUIRE_EQUAL(first.status, 200);
  BOOST_REQUIRE_EQUAL(again.status, 200);
  BOOST_TEST(first.num("position") == again.num("position"));
}

BOOST_AUTO_TEST_CASE(admin_routes_need_the_token) {
  auto none = call("GET", "/admin/projections");
  BOOST_TEST(none.status == 401);
  auto wrong = call("GET", "/admin/projections", {},
                    {{"authorization", "Bearer wrong-token-0123456789"}});
  BOOST_TEST(wrong.status == 403);
  http::fields auth{{"authorization", std::string{"Bearer "} + token}};
  auto list = call("GET", "/admin/projections", {}, auth);
  BOOST_TEST(list.status == 200);
  BOOST_TEST(list.body.find("\"name\":\"counted\"") != std::string::npos);
  auto pause = call("POST", "/admin/projections/counted/pause", {}, auth);
  BOOST_TEST(pause.status == 202);
  auto missing = call("POST", "/admin/projections/nope/pause", {}, auth);
  BOOST_TEST(missing.status == 404);
  auto reset = call("POST", "/admin/projections/counted/reset", "{\"to\":-1}",
                    auth);
  BOOST_TEST(reset.status == 400);
}

BOOST_AUTO_TEST_CASE(health_and_metrics_report_the_runtime) {
  BOOST_REQUIRE_EQUAL(call("POST", "/accounts/k3/open").status, 201);
  auto health = call("GET", "/health");
  BOOST_TEST(health.status == 200);
  BOOST_TEST(health.str("status") == "ok");
  BOOST_TEST(health.body.find("\"counted\"") != std::string::npos);
  auto metrics = call("GET", "/metrics");
  BOOST_TEST(metrics.status == 200);
  // Sample lines, not only # HELP: one event appended, one live account.
  for (auto line : {"\nmink_events_appended_total 1\n",
                    "\nmink_projection_position{projection=\"counted\"} ",
                    "\nmink_live_aggregates{type=\"account\"} 1\n"})
    BOOST_CHECK_MESSAGE(metrics.body.find(line) != std::string::npos,
                        "metrics lack " << line);
}

BOOST_AUTO_TEST_CASE(storage_metrics_follow_the_store_on_an_interval) {
  BOOST_REQUIRE_EQUAL(call("POST", "/accounts/k4/open").status, 201);
  BOOST_REQUIRE_EQUAL(call("POST", "/accounts/k4/deposit").status, 200);
  // The storage monitor checks every 50 ms: its next check sees both.
  std::string body;
  BOOST_CHECK(mink::test_support::eventually([&] {
    body = call("GET", "/metrics").body;
    return body.find("\nmink_store_events 2\n") != std::string::npos;
  }));
  for (auto line : {"\nmink_store_up 1\n",
                    "\nmink_store_check_failures_total 0\n",
                    "\nmink_store_bytes{part=\"file\"} ",
                    "\nmink_store_bytes{part=\"wal\"} ",
                    "\nmink_store_usage_age_seconds ",
                    "\nmink_append_queue_limit 20000\n",
                    "\nmink_projection_dead_letters_total{projection=\"counted\"} 0\n",
                    "\nmink_projection_retries_total{projection=\"counted\"} 0\n"})
    BOOST_CHECK_MESSAGE(body.find(line) != std::string::npos,
                        "metrics lack " << line);
  // The file holds something.
  auto file = mink::test_support::metric_sample(
    body, R"(mink_store_bytes{part="file"})");
  BOOST_REQUIRE(file);
  BOOST_TEST(*file > 0);
}

BOOST_AUTO_TEST_SUITE_END()
