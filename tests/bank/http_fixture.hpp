#pragma once

// Helpers of the HTTP tests: the PostgreSQL connection of the throwaway
// server (MINK_TEST_PG), a schema per test (dropped at the end), a bank
// service in this process, and a small HTTP client.

#include <map>
#include <memory>
#include <string>

#include <httplib.h>
#include <rapidjson/document.h>

#include "bank/config.hpp"
#include "bank/service.hpp"

namespace bank_test {

/// MINK_TEST_PG; fails the test when unset or empty.
std::string pg_conninfo();

/// Runs `sql` on the test server; returns the first value of the first row
/// (or an empty string).
std::string pg_exec(const std::string& sql);

/// Runs `sql` on the server of `conninfo`, as `pg_exec`.
std::string pg_exec_on(const std::string& conninfo, const std::string& sql);

/// Drops schema `name` when made and when destroyed.
struct schema_guard {
  std::string name;
  explicit schema_guard(std::string n);
  ~schema_guard();
};

/// The environment of a bank process (bank_process.hpp) on PostgreSQL
/// schema `schema` of `conninfo` (default: the test server), a free port.
std::map<std::string, std::string>
process_env(const std::string& schema, const std::string& conninfo = {});

/// A schema name unique to this process and `base`.
std::string unique_schema(const std::string& base);

/// A configuration on PostgreSQL schema `schema`, a free port.
bank::service_config pg_config(const std::string& schema);

/// One HTTP answer.
struct answer {
  int status = 0;
  std::string body;
  rapidjson::Document json;
  std::string header(const std::string& key) const;
  std::multimap<std::string, std::string> headers;
  std::string str(const char* key) const;
  int64_t num(const char* key) const;
};

/// A blocking HTTP client of one service.
class client {
public:
  client(std::string host, int port);
  answer get(const std::string& path);
  answer get_with(const std::string& path, const httplib::Headers& headers);
  answer post(const std::string& path, const std::string& body,
              const httplib::Headers& headers = {});

  /// Opens an account for `owner`; returns its id.
  std::string open(const std::string& owner);

  /// Polls transfer `id` until it is final (completed, rejected,
  /// compensated); returns the last answer (status may be non-final when
  /// it never got there).
  answer await_transfer(const std::string& id);

  /// The store's head position (from GET /health).
  int64_t head();

private:
  httplib::Client cli_;
};

/// A bank service on its own schema, and a client of it.
struct service_fixture {
  explicit service_fixture(const std::string& name,
                           void (*tweak)(bank::service_config&) = nullptr);
  ~service_fixture();
  std::string schema;
  bank::service_config cfg;
  std::unique_ptr<bank::service> svc;
  std::unique_ptr<client> http;
};

} // namespace bank_test
