#pragma once

#include <functional>
#include <memory>

#include "mink/http/message.hpp"

namespace mink::http {

/// Sends the answer of one request, from any thread, at most once. When
/// the last copy of a responder goes away unanswered, the request gets
/// 500 `internal_error` (a handler that forgot to answer must not leave
/// its client waiting).
class responder {
public:
  using send_fn = std::function<void(response)>;

  responder() = default;

  /// `send` delivers the answer to the connection; `correlation_id` goes
  /// into the 500 of an unanswered request.
  responder(send_fn send, std::string correlation_id);

  /// Answers with `res`; later calls do nothing.
  void operator()(response res) const;

  /// Answers with an `error_json` body.
  void error(int status, std::string_view code, std::string_view message) const;

  /// Whether an answer went out already.
  [[nodiscard]] bool answered() const noexcept;

private:
  struct state;
  std::shared_ptr<state> state_;
};

/// Handles one request: answers through `reply`, now or later (from any
/// thread). Runs on a thread of the server: must not block.
using handler = std::function<void(const request& req, responder reply)>;

} // namespace mink::http
