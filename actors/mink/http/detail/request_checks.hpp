#pragma once

// Internal to the HTTP server: how a session reads and checks a request
// before its route. tests/fuzz/http_fuzzer.cpp runs the same functions on
// fuzzed bytes, so that what it checks is what the server does.

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "mink/http/message.hpp"
#include "mink/http/server_config.hpp"

namespace mink::http::detail {

/// The parser of one request (head and whole body in a string).
using request_parser
  = boost::beast::http::request_parser<boost::beast::http::string_body>;

/// An error answer that ends a request before its route (and closes the
/// connection): status, error code and message.
struct refusal {
  int status = 400;
  std::string code;
  std::string message;
};

/// Sets the bounds of `cfg` on a new parser: bytes of the head
/// (`max_header_bytes`) and of the body (`body_limit`).
void configure_parser(request_parser& parser, const server_config& cfg);

/// The checks of a parsed head of `head_bytes` bytes (what reading it
/// consumed) that Beast leaves to us: at most `max_header_bytes` bytes
/// (431; Boost 1.74's parser counts its limit from the end of the request
/// line when the whole head arrives at once, so it lets heads of up to
/// twice the limit through), at most `max_header_count` fields (431), at
/// most one Content-Length (400), not Content-Length with
/// Transfer-Encoding (400), a Transfer-Encoding only when its one and
/// final coding is chunked (400; another coding: 501). Nullopt when the
/// request may go on to its body.
[[nodiscard]] std::optional<refusal> check_head(const request_parser& parser,
                                                size_t head_bytes,
                                                const server_config& cfg);

/// The answer to a failed read of a head or body (431, 413 or 400); nullopt
/// when there is nobody to answer (timeout, end of stream, reset).
[[nodiscard]] std::optional<refusal>
read_error_refusal(boost::beast::error_code ec, const server_config& cfg);

/// Splits `target` into `req.path` (not decoded) and `req.query`
/// (percent-decoded); false on a malformed escape in the query.
[[nodiscard]] bool split_target(std::string_view target, request& req);

} // namespace mink::http::detail
