// Hostile input, table-driven: every case gets a clear 4xx (or, for a
// sender too slow to answer, a closed connection), nothing stored changes,
// and the service stays up. Configuration files are refused with an error
// naming the line.

#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "../bank/http_fixture.hpp"
#include "../http/raw_client.hpp"
#include "bank/config.hpp"
#include "mink/errc.hpp"

using namespace bank_test;
using namespace std::chrono_literals;

namespace {

struct hostile_case {
  std::string name;
  std::string bytes; // the whole request, as sent
};

std::string post(const std::string& path, const std::string& body,
                 const std::string& extra = {}) {
  return mink_test::post_request(path, body, extra);
}

std::string get(const std::string& path, const std::string& extra = {}) {
  return mink_test::get_request(path, extra);
}

/// Request bodies no route may accept.
std::vector<std::pair<std::string, std::string>> bad_bodies() {
  std::string deep(10000, '[');
  std::string deep_obj;
  for (int i = 0; i < 5000; ++i)
    deep_obj += "{\"a\":";
  return {
    {"empty object", "{}"},
    {"truncated", "{\"owner\": "},
    {"array", "[1,2]"},
    {"string", "\"x\""},
    {"number", "42"},
    {"null", "null"},
    {"trailing garbage", "{\"amount\":1} x"},
    {"single quotes", "{'amount':1}"},
    {"unquoted key", "{amount:1}"},
    {"deep arrays", deep},
    {"deep objects", deep_obj},
    {"invalid utf-8", "{\"owner\":\"\xff\xfe\",\"amount\":\"\xc3\x28\"}"},
    {"raw NUL", std::string{"{\"amount\":1\0}", 13}},
    {"escaped lone surrogate", "{\"owner\":\"\\ud800\",\"amount\":\"\\ud800\"}"},
    {"duplicate keys", "{\"amount\":1,\"amount\":-1,\"owner\":\"a\","
                       "\"owner\":\"b\",\"from\":\"a\",\"from\":\"b\"}"},
    {"huge number", "{\"amount\":1e999,\"owner\":1e999}"},
    {"number beyond int64", "{\"amount\":99999999999999999999}"},
    {"binary", std::string("\x00\x01\x02\x03\xff", 5)},
  };
}

std::vector<hostile_case> http_cases(const std::string& acc) {
  std::vector<hostile_case> out;
  std::vector<std::string> posts{"/accounts", "/accounts/" + acc + "/deposit",
                                 "/accounts/" + acc + "/withdraw",
                                 "/transfers"};
  for (const auto& [name, body] : bad_bodies())
    for (const auto& path : posts)
      out.push_back({"POST " + path + ": " + name, post(path, body)});
  // Wrong types and values, field by field.
  for (const std::string& v :
       std::vector<std::string>{"1", "true", "null", "[]", "{}", "\"\"",
                                "\"\\u0000\"", "\"a\\nb\"",
                                "\"" + std::string(300, 'x') + "\""})
    out.push_back({"owner " + v,
                   post("/accounts", std::string{"{\"owner\":"} + v + "}")});
  for (auto v : {"\"5\"", "1.5", "-1", "0", "null", "true", "[]", "{}",
                 "1e3", "-9223372036854775808", "9223372036854775807"})
    out.push_back({std::string{"amount "} + v,
                   post("/accounts/" + acc + "/deposit",
                        std::string{"{\"amount\":"} + v + "}")});
  // Ids: quotes, SQL, long, control characters, path tricks.
  std::vector<std::string> ids{"a'b",           "a%22b",
                               "x'%3B%20DROP%20TABLE%20events%3B--",
                               std::string(10240, 'a'), "%00",
                               "..",            "a%2Fb",
                               "%C3%28",        "a b"};
  for (const auto& id : ids) {
    out.push_back({"GET account id " + id.substr(0, 20),
                   get("/accounts/" + id)});
    out.push_back({"deposit to id " + id.substr(0, 20),
                   post("/accounts/" + id + "/deposit", "{\"amount\":1}")});
    out.push_back({"GET transfer id " + id.substr(0, 20),
                   get("/transfers/" + id)});
  }
  for (const auto& id : {std::string{"a'b"}, std::string(100, 'x'),
                         std::string{"'; DROP TABLE bank_accounts; --"}})
    out.push_back({"POST /accounts with id " + id.substr(0, 20),
                   post("/accounts",
                        "{\"owner\":\"o\",\"id\":\"" + id + "\"}")});
  // Query parameters.
  for (auto q : {"position=-1", "position=abc", "position=1e3",
                 "position=99999999999999999999", "position=", "position=%zz",
                 "position=999999999999"})
    out.push_back({std::string{"query "} + q,
                   get("/accounts/" + acc + "?" + q)});
  for (auto q : {"limit=0", "limit=1001", "limit=-1", "after=-1", "after=x"})
    out.push_back({std::string{"history "} + q,
                   get("/accounts/" + acc + "/history?" + q)});
  // Headers and framing.
  std::string flood;
  for (int i = 0; i < 10000; ++i)
    flood += "X-F" + std::to_string(i) + ": v\r\n";
  out.push_back({"10000 headers", get("/total", flood)});
  out.push_back({"one huge header", get("/total", "X-Big: " + std::string(40000, 'b') + "\r\n")});
  out.push_back({"two Content-Length",
                 "POST /accounts HTTP/1.1\r\nHost: t\r\nContent-Length: 15"
                 "\r\nContent-Length: 15\r\n\r\n{\"owner\":\"ab\"}"});
  out.push_back({"Content-Length and chunked",
                 "POST /accounts HTTP/1.1\r\nHost: t\r\nContent-Length: 15\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"own\r\n0\r\n\r\n"});
  out.push_back({"bad chunk size",
                 "POST /accounts HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
                 "chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"});
  out.push_back({"negative Content-Length",
                 "POST /accounts HTTP/1.1\r\nHost: t\r\nContent-Length: -5"
                 "\r\n\r\n{}"});
  out.push_back({"10 MB body", post("/accounts", std::string(10 << 20, 'x'))});
  out.push_back({"10 MB announced",
                 "POST /accounts HTTP/1.1\r\nHost: t\r\nContent-Length: "
                 "10485760\r\n\r\n{"});
  out.push_back({"garbage request line", "HELLO WORLD\r\n\r\n"});
  out.push_back({"NUL in request line", std::string("GET /\0total HTTP/1.1\r\nHost: t\r\n\r\n", 32)});
  out.push_back({"bad version", "GET /total HTTP/9.9\r\nHost: t\r\n\r\n"});
  out.push_back({"unknown method", "BREW /total HTTP/1.1\r\nHost: t\r\n\r\n"});
  out.push_back({"wrong method", post("/total", "{}")});
  out.push_back({"no route", get("/etc/passwd")});
  out.push_back({"long target", get("/" + std::string(20000, 'p'))});
  out.push_back({"idempotency key not a UUID",
                 post("/accounts/" + acc + "/deposit", "{\"amount\":1}",
                      "Idempotency-Key: '; DROP TABLE commands; --\r\n")});
  out.push_back({"header without colon", get("/total", "NoColonHere\r\n")});
  out.push_back({"header with NUL", get("/total", std::string("X-A: a\0b\r\n", 10))});
  out.push_back({"admin without token", post("/admin/snapshots/purge", "")});
  return out;
}

} // namespace

BOOST_AUTO_TEST_SUITE(hostile_input)

BOOST_AUTO_TEST_CASE(http_requests_get_a_clear_4xx_and_change_nothing) {
  service_fixture f{"hostile", [](bank::service_config& cfg) {
                      cfg.header_timeout_ms = 2000;
                    }};
  auto& c = *f.http;
  auto acc = c.open("Ann");
  BOOST_REQUIRE_EQUAL(c.post("/accounts/" + acc + "/deposit", R"({"amount":100})")
                        .status,
                      200);
  auto head_before = c.head();
  auto balance_before = c.get("/accounts/" + acc + "?position="
                              + std::to_string(head_before))
                          .num("balance");
  auto cases = http_cases(acc);
  BOOST_TEST_MESSAGE(cases.size() << " hostile HTTP requests");
  BOOST_CHECK_GE(cases.size(), 150u);
  for (const auto& hc : cases) {
    BOOST_TEST_CONTEXT(hc.name) {
      mink_test::raw_conn conn{f.svc->port()};
      BOOST_REQUIRE(conn.ok());
      conn.send(hc.bytes);
      auto a = conn.read_answer(10s);
      if (!a) {
        // Only a request the server cannot answer may go unanswered: it is
        // then closed (e.g. a body that never arrives).
        BOOST_CHECK_MESSAGE(conn.closed_within(10s),
                            "no answer and still open");
        continue;
      }
      BOOST_CHECK_MESSAGE(a->status >= 400 && a->status < 500,
                          "status " << a->status << ": " << a->body);
      BOOST_CHECK_MESSAGE(a->body.find("\"error\":") != std::string::npos
                            && a->body.find("\"message\":") != std::string::npos,
                          "no JSON error: " << a->body);
    }
  }
  // Nothing stored changed, and the service still serves.
  BOOST_CHECK_EQUAL(c.head(), head_before);
  BOOST_CHECK_EQUAL(c.get("/accounts/" + acc).num("balance"), balance_before);
  BOOST_CHECK_EQUAL(c.get("/health").status, 200);
  BOOST_CHECK_EQUAL(c.post("/accounts/" + acc + "/deposit", R"({"amount":1})")
                      .status,
                    200);
}

BOOST_AUTO_TEST_CASE(configuration_files_are_refused_with_the_line) {
  std::vector<std::pair<std::string, std::string>> bad{
    {"no equals sign", "port 8080"},
    {"unknown key", "colour = blue"},
    {"port not a number", "port = eighty"},
    {"port out of range", "port = 70000"},
    {"negative port", "port = -1"},
    {"pool size zero", "pool_size = 0"},
    {"threads huge", "threads = 99999999999999999999"},
    {"empty address", "listen_address ="},
    {"bad log level", "log_level = loud"},
    {"short admin token", "admin_token = short"},
    {"admin token with space", "admin_token = abcdefgh ijklmnopq"},
    {"empty schema", "postgres_schema ="},
    {"body limit zero", "body_limit = 0"},
    {"header bytes tiny", "max_header_bytes = 1"},
    {"timeout zero", "header_timeout_ms = 0"},
    {"binary", std::string("port = \x01\xff", 9)},
  };
  auto path = std::string{"/tmp/mink-hostile-config-"} + std::to_string(::getpid());
  for (const auto& [name, text] : bad) {
    BOOST_TEST_CONTEXT(name) {
      {
        std::ofstream out{path};
        out << "# a comment\n" << text << "\n";
      }
      bank::service_config cfg;
      auto err = bank::load_file(cfg, path);
      BOOST_REQUIRE(err);
      auto msg = mink::to_text(err);
      BOOST_CHECK_MESSAGE(msg.find(path + ":2") != std::string::npos, msg);
      BOOST_CHECK(msg.find("abcdefgh") == std::string::npos); // no secrets
    }
  }
  std::remove(path.c_str());
}

BOOST_AUTO_TEST_SUITE_END()
