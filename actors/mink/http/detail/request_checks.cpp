#include "mink/http/detail/request_checks.hpp"

#include <cctype>
#include <string_view>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace mink::http::detail {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

void configure_parser(request_parser& parser, const server_config& cfg) {
  parser.header_limit(static_cast<uint32_t>(cfg.max_header_bytes));
  parser.body_limit(cfg.body_limit);
}

namespace {

refusal bad_request(std::string message) {
  return refusal{400, "bad_request", std::move(message)};
}

/// Whether `x` holds only what a list of codings without parameters may:
/// RFC 7230 tchars, commas, spaces and tabs.
bool is_coding_list(beast::string_view x) {
  constexpr std::string_view specials = "!#$%&'*+-.^_`|~, \t";
  for (auto c : x) {
    auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) != 0 && u < 0x80)
        && specials.find(c) == std::string_view::npos)
      return false;
  }
  return true;
}

// RFC 7230 3.3.1 and 3.3.3: chunked must be the final coding and applied
// once; mink decodes no other coding. Beast frames a request whose
// Transfer-Encoding does not end in chunked as one without a body, so the
// body would be read as the next request.
std::optional<refusal> check_transfer_encoding(const request_parser& parser) {
  const auto& head = parser.get();
  size_t codings = 0;
  for (const auto& f : head) {
    if (f.name() != bhttp::field::transfer_encoding)
      continue;
    // Beast's token_list stops quietly at the first character that cannot
    // be in a list, so the rest of a malformed value would go unseen.
    if (!is_coding_list(f.value()))
      return bad_request("the request's Transfer-Encoding is not a list of "
                         "codings");
    for (auto coding : bhttp::token_list{f.value()}) {
      ++codings;
      if (!beast::iequals(coding, "chunked"))
        return refusal{501, "not_implemented",
                       "the only transfer coding supported is chunked"};
    }
  }
  if (codings != 1 || !parser.chunked())
    return bad_request("the request's Transfer-Encoding does not end in "
                       "chunked once");
  return std::nullopt;
}

} // namespace

std::optional<refusal> check_head(const request_parser& parser,
                                  size_t head_bytes,
                                  const server_config& cfg) {
  if (head_bytes > cfg.max_header_bytes)
    return refusal{431, "headers_too_large",
                   "the request head is larger than "
                     + std::to_string(cfg.max_header_bytes) + " bytes"};
  size_t count = 0;
  size_t lengths = 0;
  bool has_te = false;
  for (const auto& f : parser.get()) {
    ++count;
    if (f.name() == bhttp::field::content_length)
      ++lengths;
    else if (f.name() == bhttp::field::transfer_encoding)
      has_te = true;
  }
  if (count > cfg.max_header_count)
    return refusal{431, "too_many_headers",
                   "the request has more than "
                     + std::to_string(cfg.max_header_count)
                     + " header fields"};
  if (lengths > 1)
    return bad_request("the request has more than one Content-Length");
  if (lengths == 1 && has_te)
    return bad_request(
      "the request has both Content-Length and Transfer-Encoding");
  if (has_te)
    return check_transfer_encoding(parser);
  return std::nullopt;
}

std::optional<refusal> read_error_refusal(beast::error_code ec,
                                          const server_config& cfg) {
  namespace asio = boost::asio;
  // A timeout has closed the socket already: nothing can be answered.
  if (ec == beast::error::timeout || ec == bhttp::error::end_of_stream
      || ec == asio::error::eof || ec == asio::error::connection_reset
      || ec == asio::error::operation_aborted)
    return std::nullopt;
  if (ec == bhttp::error::header_limit)
    return refusal{431, "headers_too_large",
                   "the request head is larger than "
                     + std::to_string(cfg.max_header_bytes) + " bytes"};
  if (ec == bhttp::error::body_limit)
    return refusal{413, "payload_too_large",
                   "the body is larger than " + std::to_string(cfg.body_limit)
                     + " bytes"};
  return bad_request("the HTTP request is malformed: " + ec.message());
}

bool split_target(std::string_view target, request& req) {
  auto q = target.find('?');
  req.path = std::string{target.substr(0, q)};
  if (q == std::string_view::npos)
    return true;
  auto rest = target.substr(q + 1);
  while (!rest.empty()) {
    auto amp = rest.find('&');
    auto part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{}
                                         : rest.substr(amp + 1);
    if (part.empty())
      continue;
    auto eq = part.find('=');
    std::string key;
    std::string value;
    if (!percent_decode(part.substr(0, eq), key))
      return false;
    if (eq != std::string_view::npos
        && !percent_decode(part.substr(eq + 1), value))
      return false;
    req.query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

} // namespace mink::http::detail
