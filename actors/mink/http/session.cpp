// One HTTP connection of the server: read, check, dispatch, answer.

#include <algorithm>
#include <cctype>
#include <exception>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "mink/http/detail/request_checks.hpp"
#include "mink/http/detail/server_impl.hpp"
#include "mink/uuid.hpp"

namespace mink::http {

namespace {

bool valid_correlation_id(std::string_view x) {
  if (x.empty() || x.size() > 128)
    return false;
  return std::all_of(x.begin(), x.end(), [](unsigned char c) {
    return c >= 0x21 && c <= 0x7e;
  });
}

std::string str(beast::string_view x) {
  return std::string{x.data(), x.size()};
}

std::string lower(beast::string_view x) {
  std::string out{x};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace

session::session(std::shared_ptr<server::impl> srv, tcp::socket sock,
                 uint64_t id)
  : srv_(std::move(srv)), stream_(std::move(sock)), id_(id) {
  // nop
}

session::~session() {
  if (counted_)
    srv_->connections.fetch_sub(1);
  std::lock_guard<std::mutex> guard{srv_->mtx};
  srv_->sessions.erase(id_);
}

void session::start(bool refuse) {
  beast::error_code ec;
  stream_.socket().set_option(tcp::no_delay{true}, ec);
  if (refuse) {
    keep_alive_ = false;
    req_.correlation_id = make_uuid();
    write(error_response(503, "too_many_connections",
                         "the server has its maximum of open connections",
                         req_.correlation_id));
    return;
  }
  counted_ = true;
  wait_for_request();
}

void session::close_if_idle() {
  if (!busy_)
    close();
}

void session::close() {
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  stream_.socket().close(ec);
}

void session::post_answer(response res) {
  std::lock_guard<std::mutex> guard{srv_->mtx};
  if (srv_->closed)
    return;
  asio::post(stream_.get_executor(),
             [self = shared_from_this(), res = std::move(res)]() mutable {
               self->write(std::move(res));
             });
}

// Waits for the first byte of a request: an idle keep-alive connection is
// closed after `idle_timeout`, a new one after `header_timeout`.
void session::wait_for_request() {
  if (srv_->stopping.load())
    return close();
  if (buffer_.size() > 0)
    return read_head();
  stream_.expires_after(first_ ? srv_->cfg.header_timeout
                               : srv_->cfg.idle_timeout);
  stream_.async_read_some(
    buffer_.prepare(4096),
    [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec)
        return self->close();
      self->buffer_.commit(n);
      self->read_head();
    });
}

void session::read_head() {
  first_ = false;
  parser_.emplace();
  detail::configure_parser(*parser_, srv_->cfg);
  req_ = request{};
  stream_.expires_after(srv_->cfg.header_timeout);
  bhttp::async_read_header(stream_, buffer_, *parser_,
                           [self = shared_from_this()](beast::error_code ec,
                                                       size_t n) {
                             self->on_head(ec, n);
                           });
}

void session::on_head(beast::error_code ec, size_t head_bytes) {
  req_.received = std::chrono::steady_clock::now();
  if (ec)
    return on_read_error(ec);
  if (check_head(head_bytes))
    read_body();
}

// Answers (or closes on) a failed read of a head or body.
void session::on_read_error(beast::error_code ec) {
  if (auto r = detail::read_error_refusal(ec, srv_->cfg))
    return fail(r->status, r->code, r->message);
  close();
}

// The checks Beast leaves to us (detail::check_head), then the head's
// fields for the handler. True when the request may go on.
bool session::check_head(size_t head_bytes) {
  if (auto r = detail::check_head(*parser_, head_bytes, srv_->cfg)) {
    fail(r->status, r->code, r->message);
    return false;
  }
  for (const auto& f : parser_->get())
    req_.headers.emplace_back(lower(f.name_string()), str(f.value()));
  auto cid = req_.header(lower(beast::string_view{srv_->cfg.correlation_header}));
  req_.correlation_id = cid && valid_correlation_id(*cid) ? *cid
                                                          : make_uuid();
  return true;
}

void session::read_body() {
  auto& head = parser_->get();
  auto expect = head[bhttp::field::expect];
  if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
    static const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(srv_->cfg.write_timeout);
    asio::async_write(stream_, asio::buffer(cont),
                      [self = shared_from_this()](beast::error_code ec,
                                                  size_t) {
                        if (ec)
                          return self->close();
                        self->stream_.expires_after(
                          self->srv_->cfg.body_timeout);
                        bhttp::async_read(self->stream_, self->buffer_,
                                          *self->parser_,
                                          [self](beast::error_code ec2,
                                                 size_t) {
                                            self->on_body(ec2);
                                          });
                      });
    return;
  }
  stream_.expires_after(srv_->cfg.body_timeout);
  bhttp::async_read(stream_, buffer_, *parser_,
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->on_body(ec);
                    });
}

void session::on_body(beast::error_code ec) {
  if (ec)
    return on_read_error(ec);
  dispatch();
}

void session::dispatch() {
  auto msg = parser_->release();
  parser_.reset();
  stream_.expires_never();
  keep_alive_ = msg.keep_alive();
  req_.method = str(msg.method_string());
  req_.target = str(msg.target());
  req_.body = std::move(msg.body());
  if (!detail::split_target(req_.target, req_))
    return fail(400, "bad_request", "the query string has a malformed escape");
  auto found = srv_->routes.find(req_.method, req_.path);
  req_.route = found.route;
  req_.params = std::move(found.params);
  if (!found.fn) {
    response res;
    if (found.path_known) {
      res = error_response(405, "method_not_allowed",
                           req_.method + " is not allowed on " + req_.path,
                           req_.correlation_id);
      res.headers.emplace_back("Allow", found.allow);
    } else {
      res = error_response(404, "not_found",
                           "no route for " + req_.method + " " + req_.path,
                           req_.correlation_id);
    }
    return write(std::move(res));
  }
  busy_ = true;
  srv_->begin_request();
  responder reply{[self = shared_from_this()](response res) {
                    self->post_answer(std::move(res));
                  },
                  req_.correlation_id};
  try {
    (*found.fn)(req_, reply);
  } catch (const std::exception& ex) {
    reply.error(500, "internal_error",
                std::string{"the handler failed: "} + ex.what());
  } catch (...) {
    reply.error(500, "internal_error", "the handler failed");
  }
}

// Answers a request that cannot go on, then closes the connection (the
// rest of what the client sent cannot be trusted to start a request).
void session::fail(int status, std::string_view code,
                   std::string_view message) {
  keep_alive_ = false;
  if (req_.correlation_id.empty())
    req_.correlation_id = make_uuid();
  write(error_response(status, code, message, req_.correlation_id));
}

void session::write(response res) {
  out_ = {};
  out_.version(11);
  out_.result(static_cast<unsigned>(res.status));
  out_.set(bhttp::field::content_type, res.content_type);
  out_.set(srv_->cfg.correlation_header, req_.correlation_id);
  for (const auto& [k, v] : res.headers)
    out_.set(k, v);
  if (res.close || srv_->stopping.load())
    keep_alive_ = false;
  out_.keep_alive(keep_alive_);
  out_.body() = std::move(res.body);
  out_.prepare_payload();
  stream_.expires_after(srv_->cfg.write_timeout);
  bhttp::async_write(stream_, out_,
                     [self = shared_from_this(), res = std::move(res)](
                       beast::error_code ec, size_t) mutable {
                       self->on_written(ec, std::move(res));
                     });
}

void session::on_written(beast::error_code ec, response res) {
  if (busy_) {
    busy_ = false;
    srv_->end_request();
  }
  if (srv_->cfg.on_answer && !req_.method.empty()) {
    auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now()
                                              - req_.received)
                  .count();
    srv_->cfg.on_answer(req_, res, secs);
  }
  if (ec || !keep_alive_) {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    return close();
  }
  wait_for_request();
}

} // namespace mink::http
