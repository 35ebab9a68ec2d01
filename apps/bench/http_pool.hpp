#pragma once

// A small asynchronous HTTP/1.1 client for mink-bench: keep-alive
// connections to one server, one request at a time on each, on a thread of
// its own (Boost.Beast).

#include <functional>
#include <memory>
#include <string>

#include <caf/expected.hpp>

namespace mink_bench {

/// An answer: the status and the body.
struct http_answer {
  int status = 0;
  std::string body;
};

/// Connections to the server of a base URL (`http://host:port`).
class http_pool {
public:
  using callback = std::function<void(caf::expected<http_answer>)>;

  /// Resolves the URL's host and starts the client's thread; connections
  /// open when first used. Fails with `invalid_argument` for a URL that is
  /// not `http://host[:port]` and `store_unavailable` when the host does
  /// not resolve.
  static caf::expected<std::unique_ptr<http_pool>>
  open(const std::string& base_url, size_t connections);

  ~http_pool();

  /// Sends `method target` with `body` (JSON when not empty) on a free
  /// connection, or when one is free; `done` runs on the client's thread
  /// with the answer, or an error when the connection failed (the next
  /// request opens it again). Must not block.
  void send(std::string method, std::string target, std::string body,
            callback done);

  /// Sends and waits for the answer.
  caf::expected<http_answer> send_wait(std::string method, std::string target,
                                       std::string body);

  struct impl;

private:
  explicit http_pool(std::unique_ptr<impl> ptr);
  std::unique_ptr<impl> impl_;
};

} // namespace mink_bench
