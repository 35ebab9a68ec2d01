// The asynchronous HTTP server (mink::http) against raw sockets: routes,
// answers from other threads, and every bound a hostile client meets.

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mink/errc.hpp"
#include "mink/http/server.hpp"
#include "raw_client.hpp"
#include "../support/eventually.hpp"

using namespace std::chrono_literals;
using mink::http::request;
using mink::http::responder;
using mink::http::response;
using mink_test::get_request;
using mink_test::post_request;
using mink_test::raw_conn;

namespace {

/// Requests whose answer a test gives later, from its own thread.
struct held_requests {
  std::mutex mtx;
  std::condition_variable cv;
  std::vector<responder> held;

  void add(responder r) {
    {
      std::lock_guard<std::mutex> guard{mtx};
      held.push_back(std::move(r));
    }
    cv.notify_all();
  }

  /// Waits (bounded) until `n` requests are held.
  bool wait_for(size_t n) {
    std::unique_lock<std::mutex> guard{mtx};
    return cv.wait_for(guard, 10s, [&] { return held.size() >= n; });
  }

  void answer_all(const std::string& body) {
    std::vector<responder> xs;
    {
      std::lock_guard<std::mutex> guard{mtx};
      xs.swap(held);
    }
    for (auto& r : xs) {
      response res;
      res.body = body;
      r(std::move(res));
    }
  }
};

response text(std::string body) {
  response res;
  res.content_type = "text/plain";
  res.body = std::move(body);
  return res;
}

struct fixture {
  mink::http::server_config cfg;
  std::shared_ptr<held_requests> held = std::make_shared<held_requests>();
  std::unique_ptr<mink::http::server> srv;

  fixture() {
    cfg.threads = 1;
    cfg.header_timeout = 10s;
    cfg.body_limit = 1024;
  }

  void start() {
    mink::http::router r;
    r.add("GET", "/hello", [](const request&, responder reply) {
      reply(text("hi"));
    });
    r.add("POST", "/echo", [](const request& req, responder reply) {
      reply(text(req.body));
    });
    r.add("GET", "/items/{id}", [](const request& req, responder reply) {
      auto q = req.query_param("q");
      reply(text(req.params.at(0) + "|" + (q ? *q : "-") + "|" + req.route));
    });
    r.add("GET", "/held", [h = held](const request&, responder reply) {
      h->add(std::move(reply));
    });
    r.add("GET", "/never", [](const request&, responder) {
      // drops its responder unanswered
    });
    r.add("GET", "/throws", [](const request&, responder) -> void {
      throw std::runtime_error("boom");
    });
    auto s = mink::http::server::start(cfg, std::move(r));
    if (!s)
      BOOST_FAIL("cannot start: " << mink::to_text(s.error()));
    srv = std::move(*s);
  }

  int port() const { return srv->port(); }
};

using mink::test_support::eventually;

} // namespace

BOOST_FIXTURE_TEST_SUITE(http_server, fixture)

BOOST_AUTO_TEST_CASE(serves_routes_on_one_keep_alive_connection) {
  start();
  raw_conn c{port()};
  BOOST_REQUIRE(c.ok());
  for (int i = 0; i < 3; ++i) {
    BOOST_REQUIRE(c.send(get_request("/hello")));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE(a);
    BOOST_CHECK_EQUAL(a->status, 200);
    BOOST_CHECK_EQUAL(a->body, "hi");
  }
  BOOST_REQUIRE(c.send(get_request("/items/a-1?q=x%20y&z")));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->body, "a-1|x y|GET /items/{id}");
}

BOOST_AUTO_TEST_CASE(unknown_paths_and_methods) {
  start();
  raw_conn c{port()};
  BOOST_REQUIRE(c.send(get_request("/nowhere")));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 404);
  BOOST_CHECK(a->body.find("\"error\":\"not_found\"") != std::string::npos);
  BOOST_REQUIRE(c.send(post_request("/hello", "")));
  a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 405);
  BOOST_CHECK_EQUAL(a->headers["allow"], "GET");
}

// Found by tests/fuzz/http_fuzzer (corpus: method_not_allowed): two
// routes of one method that match a path listed it twice in Allow.
BOOST_AUTO_TEST_CASE(allow_names_each_method_once) {
  mink::http::router r;
  auto nop = [](const request&, responder) {};
  r.add("GET", "/items/{a}/fixed", nop);
  r.add("GET", "/items/{a}/{b}", nop);
  r.add("PUT", "/items/{a}/{b}", nop);
  auto found = r.find("PATCH", "/items/x/fixed");
  BOOST_CHECK(found.fn == nullptr);
  BOOST_CHECK(found.path_known);
  BOOST_CHECK_EQUAL(found.allow, "GET, PUT");
}

BOOST_AUTO_TEST_CASE(correlation_ids_come_back) {
  start();
  raw_conn c{port()};
  BOOST_REQUIRE(c.send(get_request("/hello", "X-Correlation-Id: abc-123\r\n")));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->headers["x-correlation-id"], "abc-123");
  // Not printable ASCII: replaced by a new id.
  BOOST_REQUIRE(c.send(get_request("/hello", "X-Correlation-Id: a b\r\n")));
  a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->headers["x-correlation-id"].size(), 36u);
}

BOOST_AUTO_TEST_CASE(a_post_without_body_or_length_is_answered_at_once) {
  // HTTP/1.1: no Content-Length and no chunking is an empty body. Waiting
  // for more would hold the client until a timeout (10 s here).
  start();
  raw_conn c{port()};
  BOOST_REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: test\r\n\r\n"));
  auto a = c.read_answer(3s);
  BOOST_REQUIRE_MESSAGE(a, "no answer within 3 s");
  BOOST_CHECK_EQUAL(a->status, 200);
  BOOST_CHECK_EQUAL(a->body, "");
}

BOOST_AUTO_TEST_CASE(ambiguous_bodies_are_refused) {
  start();
  auto expect_400 = [&](const std::string& bytes) {
    raw_conn c{port()};
    BOOST_REQUIRE(c.send(bytes));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE_MESSAGE(a, "no answer to " << bytes);
    BOOST_CHECK_MESSAGE(a->status == 400, "status " << a->status << " for "
                                                    << bytes);
    BOOST_CHECK(c.closed_within(5s));
  };
  expect_400("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
             "Content-Length: 2\r\n\r\nab");
  expect_400("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n"
             "Content-Length: 3\r\n\r\nabc");
  expect_400("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
             "Transfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n");
  expect_400("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked"
             "\r\n\r\nzz\r\nab\r\n0\r\n\r\n");
  expect_400("GARBAGE\r\n\r\n");
  expect_400("GET /hello?q=%zz HTTP/1.1\r\nHost: t\r\n\r\n");
}

// Found by tests/fuzz/http_fuzzer (corpus: te_not_chunked): Beast frames
// a request whose Transfer-Encoding does not end in chunked as one without
// a body, so its body was read as the next request (RFC 7230 3.3.3: 400).
BOOST_AUTO_TEST_CASE(transfer_codings_other_than_chunked_are_refused) {
  start();
  auto expect = [&](int status, const std::string& te) {
    raw_conn c{port()};
    // The "body" is a request of its own: it must not be answered.
    BOOST_REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\n"
                         "Transfer-Encoding: " + te + "\r\n\r\n"
                         "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE_MESSAGE(a, "no answer for " << te);
    BOOST_CHECK_MESSAGE(a->status == status,
                        "status " << a->status << " for " << te);
    BOOST_CHECK_MESSAGE(c.closed_within(5s), "still open after " << te);
  };
  expect(501, "gzip");
  expect(501, "chunked, gzip");
  expect(501, "gzip, chunked");
  expect(400, "chunked, chunked");
  expect(400, "");
  // Found by the fuzzer: chunked in two fields is chunked twice (the
  // fields make one list), and Beast's token list stops quietly at the
  // first byte that cannot be in a list.
  expect(400, "chunked\r\nTransfer-Encoding: chunked");
  expect(400, "chunked;q=1");
  // The same with a well-formed chunked body, which was answered 200.
  for (std::string te : {"chunked, chunked\xff\xffPOST /hello HTTP/1.1\r\n"
                         "Transfer-Encoding: chunked",
                         "chunked\r\nTransfer-Encoding: chunked"}) {
    raw_conn c{port()};
    BOOST_REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\n"
                         "Transfer-Encoding: " + te + "\r\n\r\n0\r\n\r\n"));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE(a);
    BOOST_CHECK_EQUAL(a->status, 400);
  }
}

// Found by tests/fuzz/http_fuzzer (corpus: head_twice_the_limit): when a
// whole head arrived at once, Boost 1.74's parser counted max_header_bytes
// from the end of the request line, so heads of up to twice the bound
// were read.
BOOST_AUTO_TEST_CASE(a_head_beyond_the_bound_is_refused_however_it_arrives) {
  cfg.max_header_bytes = 1024;
  start();
  raw_conn c{port()};
  // One write: a 620-byte request line and 620 bytes of fields.
  BOOST_REQUIRE(c.send("GET /items/" + std::string(600, 'a')
                       + " HTTP/1.1\r\nX-A: " + std::string(600, 'b')
                       + "\r\n\r\n"));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 431);
  BOOST_CHECK(a->body.find("headers_too_large") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(chunked_bodies_are_read) {
  start();
  raw_conn c{port()};
  BOOST_REQUIRE(c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
                       "chunked\r\n\r\n2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n"));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 200);
  BOOST_CHECK_EQUAL(a->body, "abcde");
}

BOOST_AUTO_TEST_CASE(header_floods_are_refused) {
  start();
  // A GET /hello with `n` header fields PREFIX0: v, PREFIX1: v, ...
  auto get_with_fields = [&](const std::string& prefix, int n) {
    std::string fields;
    for (int i = 0; i < n; ++i)
      fields += prefix + std::to_string(i) + ": v\r\n";
    raw_conn c{port()};
    c.send(get_request("/hello", fields));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE(a);
    return *a;
  };
  // 10 000 header fields: over the size bound long before the count.
  BOOST_CHECK_EQUAL(get_with_fields("X-H", 10000).status, 431);
  // 101 small fields: within the size bound, over the count.
  auto many = get_with_fields("X-", 101);
  BOOST_CHECK_EQUAL(many.status, 431);
  BOOST_CHECK(many.body.find("too_many_headers") != std::string::npos);
  // 100 fields (these and Host) are fine.
  BOOST_CHECK_EQUAL(get_with_fields("X-", 99).status, 200);
}

BOOST_AUTO_TEST_CASE(large_bodies_are_refused) {
  start();
  {
    raw_conn c{port()};
    c.send(post_request("/echo", std::string(2000, 'x')));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE(a);
    BOOST_CHECK_EQUAL(a->status, 413);
  }
  {
    // Chunked: the bound counts what arrives.
    raw_conn c{port()};
    std::string chunks = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
                         "chunked\r\n\r\n";
    for (int i = 0; i < 10; ++i)
      chunks += "c8\r\n" + std::string(200, 'y') + "\r\n";
    chunks += "0\r\n\r\n";
    c.send(chunks);
    auto a = c.read_answer(5s);
    BOOST_REQUIRE(a);
    BOOST_CHECK_EQUAL(a->status, 413);
  }
}

BOOST_AUTO_TEST_CASE(slow_heads_and_idle_connections_are_closed) {
  cfg.header_timeout = 300ms;
  cfg.idle_timeout = 300ms;
  start();
  raw_conn slow{port()};
  BOOST_REQUIRE(slow.send("GET /hel"));
  BOOST_CHECK_MESSAGE(slow.closed_within(10s), "a slow head was not closed");
  raw_conn idle{port()};
  BOOST_REQUIRE(idle.send(get_request("/hello")));
  BOOST_REQUIRE(idle.read_answer(5s));
  BOOST_CHECK_MESSAGE(idle.closed_within(10s),
                      "an idle keep-alive connection was not closed");
  raw_conn silent{port()};
  BOOST_CHECK_MESSAGE(silent.closed_within(10s),
                      "a connection that never sent was not closed");
}

BOOST_AUTO_TEST_CASE(connections_are_bounded) {
  cfg.max_connections = 5;
  start();
  std::vector<std::unique_ptr<raw_conn>> open;
  for (int i = 0; i < 5; ++i) {
    open.push_back(std::make_unique<raw_conn>(port()));
    BOOST_REQUIRE(open.back()->send(get_request("/hello")));
    BOOST_REQUIRE(open.back()->read_answer(5s));
  }
  raw_conn extra{port()};
  auto a = extra.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 503);
  BOOST_CHECK(a->body.find("too_many_connections") != std::string::npos);
  open.pop_back();
  BOOST_REQUIRE(eventually([&] { return srv->connections() < 5; }));
  raw_conn again{port()};
  BOOST_REQUIRE(again.send(get_request("/hello")));
  a = again.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 200);
}

BOOST_AUTO_TEST_CASE(a_port_in_use_is_an_error) {
  start();
  mink::http::server_config other;
  other.port = port();
  auto second = mink::http::server::start(other, mink::http::router{});
  BOOST_REQUIRE(!second);
  BOOST_CHECK(mink::code_of(second.error()) == mink::errc::invalid_argument);
  BOOST_CHECK_MESSAGE(mink::to_text(second.error()).find("in use")
                        != std::string::npos,
                      mink::to_text(second.error()));
}

BOOST_AUTO_TEST_CASE(handlers_that_fail_to_answer_get_500) {
  start();
  raw_conn c{port()};
  c.send(get_request("/never"));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 500);
  c.send(get_request("/throws"));
  a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 500);
  BOOST_CHECK(a->body.find("boom") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_waiting_request_holds_no_thread) {
  // One I/O thread: while 50 requests wait for their answers, others are
  // still served.
  start();
  std::vector<std::unique_ptr<raw_conn>> waiting;
  for (int i = 0; i < 50; ++i) {
    waiting.push_back(std::make_unique<raw_conn>(port()));
    waiting.back()->send(get_request("/held"));
  }
  BOOST_REQUIRE(held->wait_for(50));
  raw_conn c{port()};
  c.send(get_request("/hello"));
  auto a = c.read_answer(5s);
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->status, 200);
  std::thread answerer{[h = held] { h->answer_all("late"); }};
  answerer.join();
  for (auto& w : waiting) {
    auto x = w->read_answer(5s);
    BOOST_REQUIRE(x);
    BOOST_CHECK_EQUAL(x->body, "late");
  }
}

BOOST_AUTO_TEST_CASE(pipelined_requests_are_answered_in_order) {
  start();
  raw_conn c{port()};
  c.send(get_request("/items/1") + get_request("/items/2")
         + get_request("/items/3"));
  for (auto id : {"1", "2", "3"}) {
    auto a = c.read_answer(5s);
    BOOST_REQUIRE(a);
    BOOST_CHECK_EQUAL(a->body.substr(0, 1), id);
  }
}

BOOST_AUTO_TEST_CASE(stop_waits_for_requests_in_flight) {
  start();
  raw_conn c{port()};
  c.send(get_request("/held"));
  BOOST_REQUIRE(held->wait_for(1));
  std::thread stopper{[this] { srv->stop(); }};
  // The server no longer accepts...
  BOOST_CHECK(eventually([&] {
    raw_conn probe{port()};
    return !probe.ok() || probe.closed_within(1s);
  }));
  // ...but the request in flight still gets its answer.
  held->answer_all("done");
  auto a = c.read_answer(5s);
  stopper.join();
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->body, "done");
}

BOOST_AUTO_TEST_CASE(slow_senders_do_not_starve_others) {
  // 200 connections that send a byte of their head now and then, while
  // normal requests go on: every normal request is answered.
  start();
  std::vector<std::unique_ptr<raw_conn>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<raw_conn>(port()));
    slow.back()->send("GET /hello HTTP/1.1\r\nX-Slow: ");
  }
  raw_conn c{port()};
  for (int i = 0; i < 200; ++i) {
    if (i % 20 == 0)
      for (auto& s : slow)
        s->send("a");
    c.send(get_request("/hello"));
    auto a = c.read_answer(5s);
    BOOST_REQUIRE_MESSAGE(a, "request " << i << " got no answer");
    BOOST_CHECK_EQUAL(a->status, 200);
  }
  BOOST_CHECK_GE(srv->connections(), 200u);
}

BOOST_AUTO_TEST_SUITE_END()
