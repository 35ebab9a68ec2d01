#include "http_fixture.hpp"

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <thread>

#include <libpq-fe.h>
#include <unistd.h>

#include "mink/errc.hpp"
#include "../support/pg_test_env.hpp"

namespace bank_test {

std::string pg_conninfo() {
  return mink::test_support::require_pg_test_conninfo();
}

std::string pg_exec(const std::string& sql) {
  return pg_exec_on(pg_conninfo(), sql);
}

std::string pg_exec_on(const std::string& conninfo, const std::string& sql) {
  auto conn = PQconnectdb(conninfo.c_str());
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  auto res = PQexec(conn, sql.c_str());
  std::string out;
  if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0)
    out = PQgetvalue(res, 0, 0);
  else if (PQresultStatus(res) != PGRES_COMMAND_OK
           && PQresultStatus(res) != PGRES_TUPLES_OK)
    BOOST_TEST_MESSAGE("SQL failed: " << sql << ": " << PQerrorMessage(conn));
  PQclear(res);
  PQfinish(conn);
  return out;
}

std::string unique_schema(const std::string& base) {
  return "bank_" + base + "_" + std::to_string(::getpid());
}

schema_guard::schema_guard(std::string n) : name(std::move(n)) {
  pg_exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
}

schema_guard::~schema_guard() {
  pg_exec("DROP SCHEMA IF EXISTS " + name + " CASCADE");
}

std::map<std::string, std::string> process_env(const std::string& schema,
                                               const std::string& conninfo) {
  return {{"BANK_POSTGRES", conninfo.empty() ? pg_conninfo() : conninfo},
          {"BANK_POSTGRES_SCHEMA", schema},
          {"BANK_PORT", "0"},
          {"BANK_THREADS", "2"},
          {"BANK_LOG_LEVEL", "warn"}};
}

bank::service_config pg_config(const std::string& schema) {
  bank::service_config cfg;
  cfg.postgres = pg_conninfo();
  cfg.postgres_schema = schema;
  cfg.pool_size = 4;
  cfg.port = 0;
  cfg.log_level = "warn";
  cfg.threads = 2;
  return cfg;
}

std::string answer::header(const std::string& key) const {
  auto i = headers.find(key);
  return i == headers.end() ? std::string{} : i->second;
}

std::string answer::str(const char* key) const {
  if (json.IsObject() && json.HasMember(key) && json[key].IsString())
    return json[key].GetString();
  return {};
}

int64_t answer::num(const char* key) const {
  if (json.IsObject() && json.HasMember(key) && json[key].IsInt64())
    return json[key].GetInt64();
  return -1;
}

namespace {

answer to_answer(const httplib::Result& res) {
  answer out;
  if (!res)
    return out;
  out.status = res->status;
  out.body = res->body;
  for (const auto& [k, v] : res->headers)
    out.headers.emplace(k, v);
  out.json.Parse(out.body.c_str());
  return out;
}

} // namespace

client::client(std::string host, int port) : cli_(std::move(host), port) {
  cli_.set_read_timeout(std::chrono::seconds{60});
  cli_.set_keep_alive(true);
  // Without it every POST waits for the server's delayed ACK (about 40 ms).
  cli_.set_tcp_nodelay(true);
}

answer client::get(const std::string& path) {
  return to_answer(cli_.Get(path));
}

answer client::get_with(const std::string& path,
                        const httplib::Headers& headers) {
  return to_answer(cli_.Get(path, headers));
}

answer client::post(const std::string& path, const std::string& body,
                    const httplib::Headers& headers) {
  return to_answer(cli_.Post(path, headers, body, "application/json"));
}

std::string client::open(const std::string& owner) {
  auto res = post("/accounts", R"({"owner":")" + owner + R"("})");
  BOOST_REQUIRE_EQUAL(res.status, 201);
  return res.str("id");
}

answer client::await_transfer(const std::string& id) {
  answer res;
  // A bound on waiting, not a timing assertion: a transfer that never
  // finishes fails the test here instead of hanging it.
  for (int i = 0; i < 3000; ++i) {
    res = get("/transfers/" + id);
    auto st = res.str("status");
    if (st == "completed" || st == "rejected" || st == "compensated")
      return res;
    std::this_thread::sleep_for(std::chrono::milliseconds{20});
  }
  return res;
}

int64_t client::head() {
  auto res = get("/health");
  return res.num("position");
}

service_fixture::service_fixture(const std::string& name,
                                 void (*tweak)(bank::service_config&))
  : schema(unique_schema(name)), cfg(pg_config(schema)) {
  pg_exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
  if (tweak != nullptr)
    tweak(cfg);
  auto started = bank::service::start(cfg);
  if (!started)
    BOOST_FAIL("service start: " << mink::to_text(started.error()));
  svc = std::move(*started);
  http = std::make_unique<client>(cfg.listen_address, svc->port());
}

service_fixture::~service_fixture() {
  http.reset();
  if (svc)
    svc->stop();
  svc.reset();
  pg_exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
}

} // namespace bank_test
