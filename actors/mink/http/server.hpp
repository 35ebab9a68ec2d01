#pragma once

#include <memory>

#include <caf/expected.hpp>

#include "mink/http/router.hpp"
#include "mink/http/server_config.hpp"

namespace mink::http {

/// An asynchronous HTTP/1.1 server (Boost.Beast on Asio). A request holds
/// no thread while its handler waits: the handler answers through its
/// `responder` whenever the answer is ready. Requests on one connection
/// are answered in order; the server reads the next one after answering.
///
/// Refused by the server itself, with a JSON error body: a malformed
/// request, two `Content-Length` fields, `Content-Length` together with
/// `Transfer-Encoding` (400); an unknown path (404) or method (405); a head
/// above the size or field bounds (431); a body above the limit (413); a
/// full server (503). Slow heads and bodies and idle connections are
/// closed after their timeouts.
class server {
public:
  /// Binds and starts serving `routes`. Fails with `invalid_argument`
  /// naming the address when it cannot be bound (e.g. in use).
  [[nodiscard]] static caf::expected<std::unique_ptr<server>>
  start(server_config cfg, router routes);

  /// Binds without serving yet: a service binds first, so that a port in
  /// use stops it before it opens anything else. Connections wait in the
  /// listen queue until `serve`.
  [[nodiscard]] static caf::expected<std::unique_ptr<server>>
  listen(server_config cfg);

  /// Starts serving `routes` (once, after `listen`).
  void serve(router routes);

  /// Stops (see `stop`).
  ~server();

  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// The port it listens on.
  [[nodiscard]] int port() const noexcept;

  /// Open connections now.
  [[nodiscard]] size_t connections() const noexcept;

  /// Stops accepting, closes idle connections, waits up to
  /// `drain_timeout` for requests in flight to be answered, then closes
  /// the rest and joins the threads. Idempotent.
  void stop();

  struct impl;

private:
  explicit server(std::shared_ptr<impl> ptr);

  std::shared_ptr<impl> impl_;
};

} // namespace mink::http
