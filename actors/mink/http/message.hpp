#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mink::http {

/// Name and value pairs in the order they arrived.
using fields = std::vector<std::pair<std::string, std::string>>;

/// An HTTP request as the server hands it to a route: the head parsed and
/// checked, the whole body read.
struct request {
  /// `GET`, `POST`, ...
  std::string method;
  /// The request target as sent (`/accounts/a?position=3`).
  std::string target;
  /// The target's path, not decoded (`/accounts/a`).
  std::string path;
  /// The query parameters, percent-decoded.
  fields query;
  /// The header fields; names in lower case.
  fields headers;
  std::string body;
  /// What the route's `{name}` segments matched, in order.
  std::vector<std::string> params;
  /// The name of the route that matched (`POST /accounts/{id}/deposit`),
  /// or `unmatched`.
  std::string route = "unmatched";
  /// The request's `X-Correlation-Id` when it is valid, else a new UUID;
  /// every answer carries it back.
  std::string correlation_id;
  /// When the head had arrived.
  std::chrono::steady_clock::time_point received;

  /// The value of header `name` (lower case), or null.
  [[nodiscard]] const std::string* header(std::string_view name) const;

  /// The value of query parameter `name`, or null.
  [[nodiscard]] const std::string* query_param(std::string_view name) const;
};

/// An answer.
struct response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  /// Extra header fields.
  fields headers;
  /// Closes the connection after this answer.
  bool close = false;
};

/// `{"error":code,"message":message,"correlation_id":id}`: the body of
/// every error answer, of the server's own and of services.
[[nodiscard]] std::string error_json(std::string_view code,
                                     std::string_view message,
                                     std::string_view correlation_id);

/// An error answer with an `error_json` body.
[[nodiscard]] response error_response(int status, std::string_view code,
                                      std::string_view message,
                                      std::string_view correlation_id);

/// Escapes `str` as the inside of a JSON string (quotes, backslashes and
/// control characters); text that is not valid UTF-8 is replaced whole.
[[nodiscard]] std::string json_escape(std::string_view str);

/// Decodes `%XX` escapes and `+` (as a space) of a query component;
/// false on a malformed escape.
[[nodiscard]] bool percent_decode(std::string_view in, std::string& out);

} // namespace mink::http
