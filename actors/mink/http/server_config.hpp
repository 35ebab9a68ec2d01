#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "mink/http/message.hpp"

namespace mink::http {

/// How the server listens and what it allows a client. Every bound is
/// there so that a slow or hostile client costs a socket, not a thread,
/// and cannot grow the server's memory without limit.
struct server_config {
  /// Loopback by default. An address already in use is an error (no
  /// `SO_REUSEPORT`: a second service on the same port must not start).
  std::string address = "127.0.0.1";
  /// 0 picks a free port.
  int port = 0;
  /// Threads running the I/O (requests never block them).
  size_t threads = 1;
  /// Open connections at most; more are answered 503 and closed.
  size_t max_connections = 1024;
  /// The request head (request line and headers) must arrive within this
  /// time from its first byte (slow senders are closed: slowloris).
  std::chrono::milliseconds header_timeout{10000};
  /// The body must arrive within this time after the head.
  std::chrono::milliseconds body_timeout{30000};
  /// A keep-alive connection without a new request is closed after this.
  std::chrono::milliseconds idle_timeout{60000};
  /// Writing an answer may take this long (a client that does not read).
  std::chrono::milliseconds write_timeout{30000};
  /// Bytes of the request head at most; above: 431.
  size_t max_header_bytes = 16 * 1024;
  /// Header fields at most; above: 431.
  size_t max_header_count = 100;
  /// Bytes of a body at most; above: 413.
  size_t body_limit = 64 * 1024;
  /// The header that carries correlation ids, in and out.
  std::string correlation_header = "X-Correlation-Id";
  /// How long `stop` waits for requests in flight to be answered.
  std::chrono::milliseconds drain_timeout{15000};

  /// Called on a server thread after each answer went out (logging,
  /// metrics) with the answer's status and headers (its body has gone
  /// out); `seconds` from the head's arrival to the answer. Requests
  /// refused before their head was read (timeouts, a full server) are not
  /// reported.
  std::function<void(const request&, const response&, double seconds)>
    on_answer;
};

} // namespace mink::http
