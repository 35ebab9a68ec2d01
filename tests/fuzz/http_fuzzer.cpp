// libFuzzer target: the HTTP layer's request reading and routing
// (actors/mink/http), not the whole server. Input: the bytes a client sends
// on one connection, one request or several pipelined. They are read as a
// session reads them, from an in-memory stream that ends after them:
// Beast's request_parser bounded by detail::configure_parser, read_header,
// detail::check_head, the body, detail::split_target; then the request goes
// through a router with parameterised routes. The connection goes on while
// the requests keep it alive, as the session's does.
//
// The limits are smaller than server_config's defaults (see fuzz_config) so
// that inputs of a few KiB reach them. Properties checked beyond "no crash,
// no sanitizer report":
// - a head the checks accept has at most max_header_count fields and
//   max_header_bytes bytes, at most one Content-Length, not with a
//   Transfer-Encoding, and a Transfer-Encoding only as "chunked" (which the
//   parser then decodes);
// - a body has Content-Length bytes when that is given, at most body_limit
//   bytes, and none without Content-Length or chunked;
// - a route's params fill its pattern back into a path that routes to the
//   same route and params; percent-decoded and every byte re-encoded, they
//   route to the same route again and decode to the same values;
// - a 405's Allow lists each method once, not the request's, and exactly
//   the registered methods whose routes match the path; a 404 path matches
//   no route of any method;
// - the outcome does not depend on how the bytes arrive: read at once and
//   in small pieces, the connection answers the same requests the same way
//   and refuses the same one (see same_answers).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/rfc7230.hpp>

#include "fuzz_input.hpp"
#include "mink/http/detail/request_checks.hpp"
#include "mink/http/router.hpp"

using namespace mink;
using namespace mink::http;

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

namespace {

const server_config& fuzz_config() {
  static const server_config cfg = [] {
    server_config c;
    c.max_header_bytes = 1024;
    c.max_header_count = 16;
    c.body_limit = 1024;
    return c;
  }();
  return cfg;
}

// Routes like a service's: parameters at several depths, one pattern with
// two methods, a specific route before a general one of the same method.
const std::vector<std::pair<std::string, std::string>>& route_table() {
  static const std::vector<std::pair<std::string, std::string>> table{
    {"POST", "/accounts"},
    {"GET", "/accounts/{id}"},
    {"POST", "/accounts/{id}/deposit"},
    {"GET", "/accounts/{id}/history"},
    {"GET", "/transfers/{id}"},
    {"GET", "/items/{a}/fixed"},
    {"GET", "/items/{a}/{b}"},
    {"PUT", "/items/{a}/{b}"},
    {"DELETE", "/items/{a}/{b}"},
    {"POST", "/admin/projections/{name}/dead-letters/{position}/replay"},
    {"GET", "/total"},
  };
  return table;
}

const router& routes() {
  static const router r = [] {
    router out;
    for (const auto& [method, pattern] : route_table())
      out.add(method, pattern, [](const request&, responder) {});
    return out;
  }();
  return r;
}

const std::vector<std::string>& registered_methods() {
  static const std::vector<std::string> methods = [] {
    std::vector<std::string> out;
    for (const auto& entry : route_table())
      if (std::find(out.begin(), out.end(), entry.first) == out.end())
        out.push_back(entry.first);
    return out;
  }();
  return methods;
}

std::string str(beast::string_view x) {
  return std::string{x.data(), x.size()};
}

// What the connection answered to one request.
struct outcome {
  int status = 0;
  std::string code;
  std::string method;
  std::string target;
  fields query;
  std::string route;
  std::vector<std::string> params;
  std::string allow;
  std::string body;

  bool operator==(const outcome& x) const {
    return status == x.status && code == x.code && method == x.method
           && target == x.target && query == x.query && route == x.route
           && params == x.params && allow == x.allow && body == x.body;
  }
};

std::string describe(const std::vector<outcome>& xs) {
  std::string out;
  for (const auto& x : xs)
    out += std::to_string(x.status) + " " + x.code + " " + x.method + " "
           + x.target + " -> " + x.route + " allow=" + x.allow
           + " body=" + std::to_string(x.body.size()) + "\n";
  return out;
}

outcome refused(const detail::refusal& r) {
  outcome out;
  out.status = r.status;
  out.code = r.code;
  return out;
}

// --- properties of a request the checks accepted ---------------------------

void check_accepted_head(const detail::request_parser& parser,
                         size_t head_bytes) {
  const auto& cfg = fuzz_config();
  const auto& head = parser.get();
  size_t count = 0;
  size_t lengths = 0;
  std::vector<std::string> codings;
  bool has_te = false;
  for (const auto& f : head) {
    ++count;
    if (f.name() == bhttp::field::content_length)
      ++lengths;
    if (f.name() == bhttp::field::transfer_encoding) {
      has_te = true;
      for (auto c : bhttp::token_list{f.value()})
        codings.push_back(str(c));
    }
  }
  if (count > cfg.max_header_count)
    fuzz::fail("accepted a head with too many fields", std::to_string(count));
  if (head_bytes > cfg.max_header_bytes)
    fuzz::fail("accepted a head larger than the limit",
               std::to_string(head_bytes));
  if (lengths > 1)
    fuzz::fail("accepted two Content-Length fields", "");
  if (lengths == 1 && has_te)
    fuzz::fail("accepted Content-Length with Transfer-Encoding", "");
  if (has_te
      && (!parser.chunked() || codings.size() != 1
          || !beast::iequals(codings.front(), "chunked")))
    fuzz::fail("accepted a Transfer-Encoding other than chunked",
               str(head[bhttp::field::transfer_encoding]));
}

void check_body(const detail::request_parser& parser,
                const bhttp::request<bhttp::string_body>& msg) {
  const auto& body = msg.body();
  if (body.size() > fuzz_config().body_limit)
    fuzz::fail("a body beyond the limit", std::to_string(body.size()));
  auto length = msg[bhttp::field::content_length];
  if (!length.empty()) {
    auto expected = parser.content_length();
    if (!expected || *expected != body.size())
      fuzz::fail("the body does not have its Content-Length",
                 str(length) + " vs " + std::to_string(body.size()));
  } else if (!parser.chunked() && !body.empty()) {
    fuzz::fail("a body without Content-Length or chunked",
               std::to_string(body.size()));
  }
}

// --- properties of the router ----------------------------------------------

std::string encode_every_byte(std::string_view x) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : x) {
    out += '%';
    out += hex[c >> 4];
    out += hex[c & 15];
  }
  return out;
}

// The pattern of route `name` ("METHOD /a/{x}") with `params` filled in.
std::string fill(std::string_view name, const std::vector<std::string>& params) {
  auto pattern = name.substr(name.find(' ') + 1);
  std::string out;
  size_t next = 0;
  for (auto seg : split_path(pattern)) {
    out += '/';
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') {
      if (next >= params.size())
        fuzz::fail("fewer params than the pattern has", std::string{name});
      out += params[next++];
    } else {
      out += seg;
    }
  }
  if (next != params.size())
    fuzz::fail("more params than the pattern has", std::string{name});
  return out;
}

void check_match(const request& req, const router::match& found) {
  if (found.route.rfind(req.method + " ", 0) != 0)
    fuzz::fail("a route of another method matched",
               req.method + " " + req.path + " -> " + found.route);
  auto again = routes().find(req.method, fill(found.route, found.params));
  if (again.route != found.route || again.params != found.params)
    fuzz::fail("the params filled in route elsewhere",
               req.path + " -> " + found.route + " then " + again.route);
  std::vector<std::string> decoded(found.params.size());
  std::vector<std::string> encoded(found.params.size());
  for (size_t i = 0; i < found.params.size(); ++i) {
    if (!percent_decode(found.params[i], decoded[i]))
      return; // a malformed escape: the handler refuses it
    encoded[i] = encode_every_byte(decoded[i]);
  }
  auto re = routes().find(req.method, fill(found.route, encoded));
  if (re.route != found.route)
    fuzz::fail("re-encoded params route elsewhere",
               req.path + " -> " + found.route + " then " + re.route);
  for (size_t i = 0; i < re.params.size(); ++i) {
    std::string back;
    if (!percent_decode(re.params[i], back) || back != decoded[i])
      fuzz::fail("a re-encoded param decodes differently", re.params[i]);
  }
}

std::vector<std::string> split_allow(std::string_view allow) {
  std::vector<std::string> out;
  while (!allow.empty()) {
    auto comma = allow.find(", ");
    out.emplace_back(allow.substr(0, comma));
    allow.remove_prefix(comma == std::string_view::npos ? allow.size()
                                                        : comma + 2);
  }
  return out;
}

void check_not_found(const request& req) {
  for (const auto& m : registered_methods()) {
    auto other = routes().find(m, req.path);
    if (other.fn != nullptr || other.path_known)
      fuzz::fail("404 for a path that a route matches", m + " " + req.path);
  }
}

void check_not_allowed(const request& req, const router::match& found) {
  auto allowed = split_allow(found.allow);
  if (allowed.empty())
    fuzz::fail("405 without Allow", req.path);
  for (size_t i = 0; i < allowed.size(); ++i) {
    const auto& m = allowed[i];
    if (std::find(allowed.begin(), allowed.begin() + i, m)
        != allowed.begin() + i)
      fuzz::fail("Allow lists a method twice", found.allow);
    if (m == req.method)
      fuzz::fail("Allow lists the refused method", found.allow);
  }
  for (const auto& m : registered_methods()) {
    if (m == req.method)
      continue;
    bool listed = std::find(allowed.begin(), allowed.end(), m)
                  != allowed.end();
    bool routes_there = routes().find(m, req.path).fn != nullptr;
    if (listed != routes_there)
      fuzz::fail("Allow and the routes disagree",
                 m + " " + req.path + " allow=" + found.allow);
  }
  for (const auto& m : allowed)
    if (std::find(registered_methods().begin(), registered_methods().end(), m)
        == registered_methods().end())
      fuzz::fail("Allow lists a method no route has", found.allow);
}

outcome dispatch(bhttp::request<bhttp::string_body>& msg) {
  request req;
  req.method = str(msg.method_string());
  req.target = str(msg.target());
  outcome out;
  out.method = req.method;
  out.target = req.target;
  if (!detail::split_target(req.target, req)) {
    out.status = 400;
    out.code = "bad_request";
    return out;
  }
  out.query = req.query;
  out.body = std::move(msg.body());
  auto found = routes().find(req.method, req.path);
  out.route = found.route;
  out.params = found.params;
  out.allow = found.allow;
  if (found.fn != nullptr) {
    out.status = 200;
    check_match(req, found);
  } else if (found.path_known) {
    out.status = 405;
    check_not_allowed(req, found);
  } else {
    out.status = 404;
    check_not_found(req);
  }
  return out;
}

// --- one connection ----------------------------------------------------------

// Reads the requests of `bytes` as a session does; `read_size` bounds each
// read from the stream (0: no bound).
std::vector<outcome> read_connection(std::string_view bytes,
                                     size_t read_size) {
  const auto& cfg = fuzz_config();
  // Never run: the stream only needs an executor.
  static asio::io_context ioc;
  beast::test::stream stream{ioc, beast::string_view{bytes.data(),
                                                     bytes.size()}};
  stream.close_remote();
  if (read_size > 0)
    stream.read_size(read_size);
  beast::flat_buffer buffer;
  std::vector<outcome> out;
  for (;;) {
    detail::request_parser parser;
    detail::configure_parser(parser, cfg);
    beast::error_code ec;
    auto head_bytes = bhttp::read_header(stream, buffer, parser, ec);
    if (!ec) {
      if (auto r = detail::check_head(parser, head_bytes, cfg)) {
        out.push_back(refused(*r));
        return out;
      }
      check_accepted_head(parser, head_bytes);
      bhttp::read(stream, buffer, parser, ec);
    }
    if (ec) {
      if (auto r = detail::read_error_refusal(ec, cfg))
        out.push_back(refused(*r));
      return out;
    }
    auto msg = parser.release();
    check_body(parser, msg);
    bool keep_alive = msg.keep_alive();
    out.push_back(dispatch(msg));
    if (out.back().status == 400 || !keep_alive)
      return out;
  }
}

// The requests answered must be the same, and a refusal must end both
// connections at the same request; which refusal may differ: Beast stops at
// the first error it sees, so a head both larger than max_header_bytes and
// malformed is 431 or 400, depending on how much of it has arrived.
bool same_answers(const std::vector<outcome>& x, const std::vector<outcome>& y) {
  if (x.size() != y.size())
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    bool x_refused = x[i].method.empty();
    bool y_refused = y[i].method.empty();
    if (x_refused != y_refused || (!x_refused && !(x[i] == y[i])))
      return false;
  }
  return true;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes{reinterpret_cast<const char*>(data), size};
  auto at_once = read_connection(bytes, 0);
  auto in_pieces = read_connection(bytes, 1 + size % 7);
  if (!same_answers(at_once, in_pieces))
    fuzz::fail("the answers depend on how the bytes arrive",
               "at once:\n" + describe(at_once) + "in pieces:\n"
                 + describe(in_pieces));
  return 0;
}
