#include "http_pool.hpp"

#include <deque>
#include <future>
#include <thread>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "mink/errc.hpp"
#include "mink/uuid.hpp"

namespace mink_bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

struct pending {
  std::string method, target, body;
  /// The same on a resend, so that the service answers a repeat, not a
  /// second command.
  std::string idempotency_key;
  http_pool::callback done;
  bool resent = false;
};

/// One keep-alive connection: one request at a time.
struct connection {
  explicit connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  bool open = false;
  /// The request was sent on a connection open from before: the server may
  /// have closed it meanwhile (its idle timeout).
  bool reused = false;
  beast::flat_buffer buffer;
  pending job;
  http::request<http::string_body> req;
  http::response<http::string_body> res;
};

} // namespace

struct http_pool::impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{
    io.get_executor()};
  tcp::resolver::results_type at;
  std::string host;
  std::deque<std::shared_ptr<connection>> idle;
  std::deque<pending> waiting;
  std::thread thread;

  /// On the client's thread: runs `p` on a free connection, or queues it.
  void dispatch(pending p) {
    if (idle.empty()) {
      waiting.push_back(std::move(p));
      return;
    }
    auto c = idle.front(); // the one that waited longest
    idle.pop_front();
    c->job = std::move(p);
    begin(c);
  }

  /// Sends the connection's job, connecting first when it is not open.
  void begin(const std::shared_ptr<connection>& c) {
    c->reused = c->open;
    c->req = {};
    c->req.method_string(c->job.method);
    c->req.target(c->job.target);
    c->req.version(11);
    c->req.set(http::field::host, host);
    c->req.set("Idempotency-Key", c->job.idempotency_key);
    if (!c->job.body.empty())
      c->req.set(http::field::content_type, "application/json");
    c->req.body() = c->job.body;
    c->req.prepare_payload();
    c->stream.expires_after(std::chrono::seconds{60});
    if (c->open)
      return write(c);
    c->stream.async_connect(at, [this, c](beast::error_code ec,
                                          const tcp::endpoint&) {
      if (ec)
        return fail(c, "connect", ec);
      c->open = true;
      write(c);
    });
  }

  void write(const std::shared_ptr<connection>& c) {
    http::async_write(c->stream, c->req, [this, c](beast::error_code ec, size_t) {
      if (ec)
        return fail(c, "write", ec);
      c->res = {};
      http::async_read(c->stream, c->buffer, c->res,
                       [this, c](beast::error_code ec, size_t) {
                         if (ec)
                           return fail(c, "read", ec);
                         if (c->res.need_eof())
                           close(c);
                         finish(c, http_answer{static_cast<int>(c->res.result_int()),
                                               std::move(c->res.body())});
                       });
    });
  }

  void close(const std::shared_ptr<connection>& c) {
    beast::error_code ignored;
    c->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    c->stream.close();
    c->open = false;
    c->buffer.clear();
  }

  void fail(const std::shared_ptr<connection>& c, const char* what,
            beast::error_code ec) {
    close(c);
    // A kept-alive connection the server closed while idle fails the next
    // request sent on it: sent again once, on a new connection.
    if (c->reused && !c->job.resent) {
      c->job.resent = true;
      return begin(c);
    }
    finish(c, make_error(mink::errc::store_unavailable,
                         std::string{"http: "} + what + ": " + ec.message()));
  }

  void finish(const std::shared_ptr<connection>& c,
              caf::expected<http_answer> answer) {
    auto done = std::move(c->job.done);
    idle.push_back(c);
    if (!waiting.empty()) {
      auto next = std::move(waiting.front());
      waiting.pop_front();
      dispatch(std::move(next));
    }
    done(std::move(answer));
  }
};

caf::expected<std::unique_ptr<http_pool>>
http_pool::open(const std::string& base_url, size_t connections) {
  const std::string scheme = "http://";
  if (base_url.rfind(scheme, 0) != 0)
    return make_error(mink::errc::invalid_argument,
                      "url '" + base_url + "' must be http://host[:port]");
  auto rest = base_url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/')
    rest.pop_back();
  if (rest.empty() || rest.find('/') != std::string::npos)
    return make_error(mink::errc::invalid_argument,
                      "url '" + base_url + "' must be http://host[:port]");
  auto colon = rest.rfind(':');
  auto host = colon == std::string::npos ? rest : rest.substr(0, colon);
  auto port = colon == std::string::npos ? std::string{"80"}
                                         : rest.substr(colon + 1);
  auto ptr = std::make_unique<impl>();
  beast::error_code ec;
  tcp::resolver resolver{ptr->io};
  ptr->at = resolver.resolve(host, port, ec);
  if (ec)
    return make_error(mink::errc::store_unavailable,
                      "cannot resolve " + rest + ": " + ec.message());
  ptr->host = rest;
  for (size_t i = 0; i < std::max<size_t>(connections, 1); ++i)
    ptr->idle.push_back(std::make_shared<connection>(ptr->io));
  ptr->thread = std::thread{[io = &ptr->io] { io->run(); }};
  return std::unique_ptr<http_pool>{new http_pool(std::move(ptr))};
}

http_pool::http_pool(std::unique_ptr<impl> ptr) : impl_(std::move(ptr)) {
}

http_pool::~http_pool() {
  // Requests still open are dropped with their connections.
  impl_->work.reset();
  impl_->io.stop();
  if (impl_->thread.joinable())
    impl_->thread.join();
}

void http_pool::send(std::string method, std::string target, std::string body,
                     callback done) {
  asio::post(impl_->io, [p = impl_.get(), req = pending{std::move(method),
                                                         std::move(target),
                                                         std::move(body),
                                                         mink::make_uuid(),
                                                         std::move(done)}]() mutable {
    p->dispatch(std::move(req));
  });
}

caf::expected<http_answer> http_pool::send_wait(std::string method,
                                                std::string target,
                                                std::string body) {
  std::promise<caf::expected<http_answer>> answer;
  auto result = answer.get_future();
  send(std::move(method), std::move(target), std::move(body),
       [&answer](caf::expected<http_answer> res) {
         answer.set_value(std::move(res));
       });
  return result.get();
}

} // namespace mink_bench
