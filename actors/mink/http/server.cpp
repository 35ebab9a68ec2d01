#include "mink/http/server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include "mink/errc.hpp"
#include "mink/http/detail/server_impl.hpp"

namespace mink::http {

// -- impl ---------------------------------------------------------------------

void server::impl::accept() {
  acceptor->async_accept(
    asio::make_strand(ioc),
    [self = shared_from_this()](beast::error_code ec, tcp::socket sock) {
      if (ec == asio::error::operation_aborted || self->stopping.load())
        return;
      if (!ec) {
        bool refuse = self->connections.fetch_add(1)
                      >= self->cfg.max_connections;
        if (refuse)
          self->connections.fetch_sub(1);
        uint64_t id = 0;
        std::shared_ptr<session> s;
        {
          std::lock_guard<std::mutex> guard{self->mtx};
          id = ++self->next_session;
          s = std::make_shared<session>(self, std::move(sock), id);
          self->sessions.emplace(id, s);
        }
        // A counted session gives its slot back in its destructor.
        asio::dispatch(s->executor(), [s, refuse] { s->start(refuse); });
      }
      self->accept();
    });
}

void server::impl::begin_request() {
  std::lock_guard<std::mutex> guard{mtx};
  ++in_flight;
}

void server::impl::end_request() {
  {
    std::lock_guard<std::mutex> guard{mtx};
    --in_flight;
  }
  cv.notify_all();
}

// Closes every connection on its own strand.
void server::impl::shut_down() {
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard<std::mutex> guard{mtx};
    for (auto& [id, weak] : sessions)
      if (auto s = weak.lock())
        live.push_back(std::move(s));
  }
  for (auto& s : live)
    asio::post(s->executor(), [s] { s->close(); });
}

// -- server -------------------------------------------------------------------

caf::expected<std::unique_ptr<server>> server::start(server_config cfg,
                                                     router routes) {
  auto srv = listen(std::move(cfg));
  if (srv)
    (*srv)->serve(std::move(routes));
  return srv;
}

caf::expected<std::unique_ptr<server>> server::listen(server_config cfg) {
  auto x = std::make_shared<impl>();
  x->cfg = std::move(cfg);
  if (x->cfg.threads == 0)
    x->cfg.threads = 1;
  auto where = x->cfg.address + ":" + std::to_string(x->cfg.port);
  beast::error_code ec;
  auto addr = asio::ip::make_address(x->cfg.address, ec);
  if (ec)
    return make_error(errc::invalid_argument,
                      "cannot listen on " + where + ": not an IP address");
  tcp::endpoint ep{addr, static_cast<unsigned short>(x->cfg.port)};
  x->acceptor.emplace(x->ioc);
  x->acceptor->open(ep.protocol(), ec);
  if (!ec)
    x->acceptor->set_option(asio::socket_base::reuse_address{true}, ec);
  if (!ec)
    x->acceptor->bind(ep, ec);
  if (!ec)
    x->acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return make_error(errc::invalid_argument,
                      "cannot listen on " + where + ": " + ec.message());
  x->port = x->acceptor->local_endpoint().port();
  return std::unique_ptr<server>{new server(std::move(x))};
}

void server::serve(router routes) {
  auto& x = *impl_;
  if (!x.threads.empty() || x.stopping.load())
    return;
  x.routes = std::move(routes);
  x.work.emplace(x.ioc.get_executor());
  x.accept();
  for (size_t i = 0; i < x.cfg.threads; ++i)
    x.threads.emplace_back([ioc = &x.ioc] { ioc->run(); });
}

server::server(std::shared_ptr<impl> ptr) : impl_(std::move(ptr)) {
  // nop
}

server::~server() {
  stop();
}

int server::port() const noexcept {
  return impl_->port;
}

size_t server::connections() const noexcept {
  return impl_->connections.load();
}

void server::stop() {
  auto& x = *impl_;
  if (x.stopping.exchange(true))
    return;
  asio::post(x.ioc, [&x] {
    beast::error_code ec;
    x.acceptor->close(ec);
  });
  {
    std::vector<std::shared_ptr<session>> live;
    {
      std::lock_guard<std::mutex> guard{x.mtx};
      for (auto& [id, weak] : x.sessions)
        if (auto s = weak.lock())
          live.push_back(std::move(s));
    }
    for (auto& s : live)
      asio::post(s->executor(), [s] { s->close_if_idle(); });
  }
  {
    std::unique_lock<std::mutex> guard{x.mtx};
    x.cv.wait_for(guard, x.cfg.drain_timeout, [&x] { return x.in_flight == 0; });
  }
  x.shut_down();
  x.work.reset();
  for (auto& t : x.threads)
    t.join();
  x.threads.clear();
  {
    std::lock_guard<std::mutex> guard{x.mtx};
    x.closed = true;
  }
  // Run what was posted while the threads were leaving: it releases the
  // sessions it holds (their sockets are closed).
  x.ioc.restart();
  x.ioc.poll();
}

} // namespace mink::http
