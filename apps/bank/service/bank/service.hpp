#pragma once

#include <memory>
#include <string>

#include <caf/expected.hpp>

#include "bank/config.hpp"

namespace bank {

/// Extra knobs that are not configuration (tests, fault injection).
struct service_options {
  /// See `bank::exit_after`; empty = off.
  std::string saga_exit_after;
};

/// The bank service: the stores, the actor system (persistence with group
/// commit, routers of accounts and transfers, command bus), the
/// projection engine (read models and the transfer saga) and the HTTP
/// server, all started by `start` and stopped in order by `stop`.
class service {
public:
  /// Opens the store named by `cfg`, starts everything and listens on
  /// `cfg.listen_address:cfg.port` (port 0 picks a free one). Fails with
  /// the store's error (e.g. `store_unavailable`) or `invalid_argument`
  /// when the address cannot be bound.
  [[nodiscard]] static caf::expected<std::unique_ptr<service>>
  start(service_config cfg, service_options opts = {});

  /// Stops (see `stop`).
  ~service();

  service(const service&) = delete;
  service& operator=(const service&) = delete;

  /// The port the HTTP server listens on.
  [[nodiscard]] int port() const noexcept;

  /// `http://<address>:<port>`.
  [[nodiscard]] std::string base_url() const;

  /// Graceful shutdown: stops accepting requests and waits for those in
  /// flight (their commands finish), stops the projection runners (each
  /// saves its checkpoint and gives its lease up), then stops the actors
  /// and closes the stores. Idempotent.
  void stop();

  struct impl;

private:
  explicit service(std::unique_ptr<impl> ptr);

  std::unique_ptr<impl> impl_;
};

} // namespace bank
