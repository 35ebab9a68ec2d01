// An open-loop HTTP load client: sends requests at a fixed rate over
// keep-alive connections, whatever the answers, and reports the latency of
// each from the moment it was due (not from when a connection was free),
// so that a server that stalls is charged for the requests it held up
// (no coordinated omission). wrk measures the most a server takes (closed
// loop); this measures the latency at a given load.
//
//   http_rate --url http://127.0.0.1:8080 --rate 10000 --seconds 10
//             --connections 256 --path '/accounts/acc{k}/deposit'
//             --body '{"amount":1}' --keys 1000
//
// `{k}` in the path and the body is replaced by the request's number modulo
// --keys (a --keys above the number of requests makes every one distinct:
// new aggregates); each request carries a fresh Idempotency-Key (a UUID)
// unless --no-key.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "bench_pg.hpp"
#include "mink/uuid.hpp"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock_type = std::chrono::steady_clock;

namespace {

struct options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  double rate = 1000;
  double seconds = 10;
  size_t connections = 64;
  std::string method = "POST";
  std::string path = "/accounts/acc{k}/deposit";
  std::string body = R"({"amount":1})";
  size_t keys = 1000;
  bool no_key = false;
};

struct results {
  std::vector<double> latencies_ms;
  std::map<int, size_t> statuses;
  size_t errors = 0;
  std::string first_error;
};

class load;

/// One keep-alive connection: sends one request at a time.
struct connection : std::enable_shared_from_this<connection> {
  explicit connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
  clock_type::time_point due;
};

class load {
public:
  load(asio::io_context& io, options opt)
    : io_(io), opt_(std::move(opt)), timer_(io) {}

  void start(const tcp::resolver::results_type& at) {
    for (size_t i = 0; i < opt_.connections; ++i) {
      auto c = std::make_shared<connection>(io_);
      c->stream.connect(at);
      c->stream.socket().set_option(tcp::no_delay{true});
      free_.push_back(c);
    }
    start_ = clock_type::now();
    end_ = start_ + std::chrono::duration_cast<clock_type::duration>(
                      std::chrono::duration<double>(opt_.seconds));
    tick();
  }

  const results& outcome() const { return out_; }
  size_t sent() const { return issued_; }
  double elapsed() const {
    return std::chrono::duration<double>(last_ - start_).count();
  }

private:
  /// Makes every request due by now, then sends what free connections take.
  void tick() {
    auto now = clock_type::now();
    auto until = std::min(now, end_);
    auto due_total = static_cast<size_t>(
      std::chrono::duration<double>(until - start_).count() * opt_.rate);
    while (issued_ < due_total) {
      auto at = start_ + std::chrono::duration_cast<clock_type::duration>(
                           std::chrono::duration<double>(
                             static_cast<double>(issued_) / opt_.rate));
      waiting_.push_back({issued_++, at});
    }
    dispatch();
    if (now < end_) {
      timer_.expires_after(std::chrono::microseconds{500});
      timer_.async_wait([this](beast::error_code) { tick(); });
    }
  }

  // The free connection that waited longest goes first: taking the last
  // freed one would leave the others idle, and the server closes a
  // connection whose first request does not come within its header
  // timeout (10 s), which then counted as a connection error.
  void dispatch() {
    while (!free_.empty() && !waiting_.empty()) {
      auto c = free_.front();
      free_.pop_front();
      auto [n, due] = waiting_.front();
      waiting_.pop_front();
      send(c, n, due);
    }
  }

  void send(const std::shared_ptr<connection>& c, size_t n,
            clock_type::time_point due) {
    auto key = std::to_string(n % opt_.keys);
    auto path = opt_.path;
    if (auto k = path.find("{k}"); k != std::string::npos)
      path.replace(k, 3, key);
    auto body = opt_.body;
    if (auto k = body.find("{k}"); k != std::string::npos)
      body.replace(k, 3, key);
    c->req = {};
    c->req.method(http::string_to_verb(opt_.method));
    c->req.target(path);
    c->req.version(11);
    c->req.set(http::field::host, opt_.host);
    c->req.set(http::field::content_type, "application/json");
    if (!opt_.no_key)
      c->req.set("Idempotency-Key", mink::make_uuid());
    c->req.body() = std::move(body);
    c->req.prepare_payload();
    c->due = due;
    http::async_write(c->stream, c->req,
                      [this, c](beast::error_code ec, size_t) {
                        if (ec)
                          return failed(c, ec);
                        c->res = {};
                        http::async_read(c->stream, c->buffer, c->res,
                                         [this, c](beast::error_code ec,
                                                   size_t) {
                                           if (ec)
                                             return failed(c, ec);
                                           answered(c);
                                         });
                      });
  }

  void answered(const std::shared_ptr<connection>& c) {
    last_ = clock_type::now();
    out_.latencies_ms.push_back(
      std::chrono::duration<double, std::milli>(last_ - c->due).count());
    ++out_.statuses[static_cast<int>(c->res.result_int())];
    free_.push_back(c);
    dispatch();
  }

  void failed(const std::shared_ptr<connection>& c, beast::error_code ec) {
    last_ = clock_type::now();
    if (out_.errors++ == 0)
      out_.first_error = ec.message();
    // The connection is gone; the others carry on.
    (void) c;
  }

  asio::io_context& io_;
  options opt_;
  asio::steady_timer timer_;
  std::deque<std::shared_ptr<connection>> free_;
  std::deque<std::pair<size_t, clock_type::time_point>> waiting_;
  size_t issued_ = 0;
  clock_type::time_point start_;
  clock_type::time_point end_;
  clock_type::time_point last_;
  results out_;
};

} // namespace

int main(int argc, char** argv) {
  options opt;
  std::string url;
  CLI::App app{"mink open-loop HTTP load client: a fixed request rate"};
  app.add_option("--url", url, "http://host:port")->required();
  app.add_option("--rate", opt.rate, "requests per second")
    ->check(CLI::Range(1.0, 10000000.0));
  app.add_option("--seconds", opt.seconds, "how long to send")
    ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--connections", opt.connections, "keep-alive connections")
    ->check(CLI::Range(1, 100000));
  app.add_option("--method", opt.method, "request method");
  app.add_option("--path", opt.path, "request path; {k} = request number "
                                     "modulo --keys");
  app.add_option("--body", opt.body, "request body (JSON); {k} as in the path");
  app.add_option("--keys", opt.keys, "distinct {k} values")
    ->check(CLI::Range(1, 1000000000));
  app.add_flag("--no-key", opt.no_key, "send no Idempotency-Key");
  CLI11_PARSE(app, argc, argv);
  auto scheme = url.find("://");
  auto rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  auto colon = rest.rfind(':');
  if (colon == std::string::npos)
    mink::bench::die("--url needs a port: " + url);
  opt.host = rest.substr(0, colon);
  opt.port = rest.substr(colon + 1);
  if (auto slash = opt.port.find('/'); slash != std::string::npos)
    opt.port.resize(slash);
  asio::io_context io;
  tcp::resolver resolver{io};
  beast::error_code ec;
  auto at = resolver.resolve(opt.host, opt.port, ec);
  if (ec)
    mink::bench::die("cannot resolve " + url + ": " + ec.message());
  load run{io, opt};
  try {
    run.start(at);
  } catch (const std::exception& ex) {
    mink::bench::die(std::string{"cannot connect to "} + url + ": "
                     + ex.what());
  }
  io.run();
  const auto& out = run.outcome();
  auto& lat = out.latencies_ms;
  std::printf("open loop: %.0f requests/s asked for %.1f s over %zu "
              "connections; %zu sent, %zu answered (%.0f/s)\n",
              opt.rate, opt.seconds, opt.connections, run.sent(), lat.size(),
              static_cast<double>(lat.size()) / run.elapsed());
  for (auto& [status, n] : out.statuses)
    std::printf("status %d: %zu\n", status, n);
  if (out.errors > 0)
    std::printf("connection errors: %zu (first: %s)\n", out.errors,
                out.first_error.c_str());
  using mink::bench::percentile;
  std::printf("latency from due time: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, "
              "p99.9 %.2f ms, max %.2f ms\n",
              percentile(lat, 0.50), percentile(lat, 0.90),
              percentile(lat, 0.99), percentile(lat, 0.999),
              lat.empty() ? 0.0 : *std::max_element(lat.begin(), lat.end()));
  return out.errors > 0 ? 1 : 0;
}
