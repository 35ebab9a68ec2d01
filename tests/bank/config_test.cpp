// Configuration: file, environment over file, errors naming the key, and
// passwords masked.

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>

#include "bank/config.hpp"
#include "bank/http_errors.hpp"
#include "mink/http/message.hpp"
#include "bank/errors.hpp"
#include "mink/errc.hpp"

using namespace bank;

BOOST_AUTO_TEST_SUITE(service_configuration)

BOOST_AUTO_TEST_CASE(file_then_environment) {
  auto path = std::string{"/tmp/bank-config-test-"} + std::to_string(::getpid())
              + ".conf";
  {
    std::ofstream out{path};
    out << "# a comment\n\nport = 9001\nsqlite_path = /tmp/x.db  # trailing\n"
           "body_limit=1024\nsnapshot_every = 7\n";
  }
  service_config cfg;
  auto err = load_file(cfg, path);
  BOOST_REQUIRE_MESSAGE(!err, mink::to_text(err));
  BOOST_CHECK_EQUAL(cfg.port, 9001);
  BOOST_CHECK_EQUAL(cfg.sqlite_path, "/tmp/x.db");
  BOOST_CHECK_EQUAL(cfg.body_limit, 1024u);
  BOOST_CHECK_EQUAL(cfg.snapshot_every, 7);
  BOOST_CHECK(!cfg.uses_postgres());
  err = load_env(cfg, {{"BANK_PORT", "9002"},
                       {"BANK_POSTGRES", "host=h password=secret dbname=d"},
                       {"OTHER", "x"}});
  BOOST_REQUIRE_MESSAGE(!err, mink::to_text(err));
  BOOST_CHECK_EQUAL(cfg.port, 9002);
  BOOST_CHECK(cfg.uses_postgres());
  BOOST_CHECK(cfg.describe_store().find("secret") == std::string::npos);
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_CASE(errors_name_the_problem) {
  service_config cfg;
  auto err = set_option(cfg, "prot", "1");
  BOOST_CHECK(mink::code_of(err) == mink::errc::invalid_argument);
  BOOST_CHECK(mink::to_text(err).find("prot") != std::string::npos);
  err = set_option(cfg, "port", "80x");
  BOOST_CHECK(mink::to_text(err).find("port") != std::string::npos);
  BOOST_CHECK(set_option(cfg, "port", "70000"));
  BOOST_CHECK(set_option(cfg, "log_level", "loud"));
  err = load_env(cfg, {{"BANK_POOL_SIZE", "zero"}});
  BOOST_CHECK(mink::to_text(err).find("BANK_POOL_SIZE") != std::string::npos);
  err = load_file(cfg, "/nonexistent/bank.conf");
  BOOST_CHECK(err);
}

BOOST_AUTO_TEST_CASE(cluster_keys_reach_the_runtime) {
  service_config cfg;
  BOOST_REQUIRE(!load_env(cfg, {{"BANK_NODE_ID", "node-1"},
                                {"BANK_NODE_ADDRESS", "10.0.0.1:4100"},
                                {"BANK_CLUSTER_SLICES", "64"},
                                {"BANK_LEASE_TTL_MS", "3000"},
                                {"BANK_HEARTBEAT_MS", "500"}}));
  auto rt = mink::to_runtime_config(cfg, nullptr);
  BOOST_CHECK_EQUAL(rt.cluster.node_id, "node-1");
  BOOST_CHECK_EQUAL(rt.cluster.address, "10.0.0.1:4100");
  BOOST_CHECK_EQUAL(rt.cluster.slice_count, 64);
  BOOST_CHECK_EQUAL(rt.cluster.lease_ttl.count(), 3000);
  BOOST_CHECK_EQUAL(rt.cluster.heartbeat.count(), 500);
  // A node id that is not one, or a slice count out of range, is named.
  auto err = set_option(cfg, "node_id", "node 1");
  BOOST_CHECK(mink::code_of(err) == mink::errc::invalid_argument);
  BOOST_CHECK(mink::to_text(err).find("node_id") != std::string::npos);
  BOOST_CHECK_EQUAL(cfg.node_id, "node-1");
  BOOST_CHECK(set_option(cfg, "cluster_slices", "0"));
  // Empty leaves the cluster.
  BOOST_CHECK(!set_option(cfg, "node_id", ""));
  BOOST_CHECK(!mink::to_runtime_config(cfg, nullptr).cluster.enabled());
}

BOOST_AUTO_TEST_CASE(a_store_url_sets_the_store) {
  service_config cfg;
  auto err = set_option(cfg, "store",
                        "postgresql://u:secret@h/ledger?schema=books");
  BOOST_REQUIRE_MESSAGE(!err, mink::to_text(err));
  BOOST_CHECK(cfg.uses_postgres());
  BOOST_CHECK_EQUAL(cfg.postgres, "postgresql://u:secret@h/ledger");
  BOOST_CHECK_EQUAL(cfg.postgres_schema, "books");
  BOOST_CHECK(cfg.describe_store().find("secret") == std::string::npos);
  err = set_option(cfg, "store", "sqlite:/tmp/books.db");
  BOOST_REQUIRE_MESSAGE(!err, mink::to_text(err));
  BOOST_CHECK(!cfg.uses_postgres());
  BOOST_CHECK_EQUAL(cfg.sqlite_path, "/tmp/books.db");
  // The read models are SQL: memory: has nowhere to keep them.
  err = set_option(cfg, "store", "memory:");
  BOOST_CHECK(mink::to_text(err).find("SQL") != std::string::npos);
  err = set_option(cfg, "store", "mysql://u:secret@h/db");
  BOOST_CHECK(mink::to_text(err).find("store") != std::string::npos);
  BOOST_CHECK(mink::to_text(err).find("secret") == std::string::npos);
  BOOST_CHECK_EQUAL(cfg.sqlite_path, "/tmp/books.db");
}

BOOST_AUTO_TEST_CASE(error_statuses) {
  BOOST_CHECK_EQUAL(to_http_error(make_error(bank_errc::insufficient_funds)).status, 422);
  BOOST_CHECK_EQUAL(to_http_error(make_error(bank_errc::account_closed)).status, 409);
  BOOST_CHECK_EQUAL(to_http_error(make_error(bank_errc::account_not_open)).status, 404);
  BOOST_CHECK_EQUAL(to_http_error(mink::make_error(mink::errc::overloaded)).status, 503);
  BOOST_CHECK_EQUAL(
    to_http_error(mink::make_error(mink::errc::store_unavailable)).status, 503);
  BOOST_CHECK_EQUAL(to_http_error(mink::make_error(mink::errc::timeout)).status, 503);
  BOOST_CHECK_EQUAL(
    to_http_error(mink::make_error(mink::errc::invalid_argument)).status, 400);
  BOOST_CHECK_EQUAL(mink::http::json_escape("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001");
}

BOOST_AUTO_TEST_SUITE_END()
