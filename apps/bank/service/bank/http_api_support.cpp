// The HTTP API's shared helpers: the request scope, answers and the
// parsing of request bodies and parameters.

#include <charconv>
#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include <httplib.h>
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "bank/http_api_detail.hpp"
#include "bank/http_errors.hpp"
#include "mink/uuid.hpp"

namespace bank::detail {

thread_local request_scope scope;

const request_scope& current() {
  if (!scope.started) {
    scope.started = true;
    scope.t0 = std::chrono::steady_clock::now();
    scope.correlation_id = mink::make_uuid();
  }
  return scope;
}

bool valid_correlation_id(const std::string& x) {
  if (x.empty() || x.size() > 128)
    return false;
  for (unsigned char c : x)
    if (c < 0x21 || c > 0x7e)
      return false;
  return true;
}

void send_json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body, "application/json");
}

void send_error(httplib::Response& res, const http_error& err) {
  send_json(res, err.status, error_json(err, current().correlation_id));
}

void send_error(httplib::Response& res, const caf::error& err) {
  send_error(res, to_http_error(err));
}

void bad_request(httplib::Response& res, std::string code, std::string msg) {
  send_error(res, http_error{400, std::move(code), std::move(msg)});
}

/// Reads the id in the request path into `id`. Answers 400 `invalid_id`
/// and returns false when it is not 1 to 64 characters of [A-Za-z0-9_-];
/// `what` names the kind of id (`account`, `transfer`).
bool path_id(const httplib::Request& req, httplib::Response& res,
             const std::string& what, std::string& id) {
  id = req.matches[1].str();
  if (valid_id(id))
    return true;
  bad_request(res, "invalid_id",
              what + " ids are 1 to 64 characters of [A-Za-z0-9_-]");
  return false;
}

void put(writer_t& w, const char* key, const std::string& x) {
  w.Key(key);
  w.String(x.data(), static_cast<rapidjson::SizeType>(x.size()));
}

void put(writer_t& w, const char* key, int64_t x) {
  w.Key(key);
  w.Int64(x);
}

// -- request bodies -----------------------------------------------------------

/// Parses `body` as a JSON object into `doc`; an empty body is `{}` when
/// `allow_empty`. Iterative parsing: deep nesting cannot exhaust the stack.
std::optional<http_error> parse_object(const std::string& body,
                                       rapidjson::Document& doc,
                                       bool allow_empty) {
  if (body.empty() && allow_empty) {
    doc.SetObject();
    return std::nullopt;
  }
  doc.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
    body.data(), body.size());
  if (doc.HasParseError())
    return http_error{400, "malformed_json",
                      std::string{"the body is not valid JSON: "}
                        + rapidjson::GetParseError_En(doc.GetParseError())
                        + " at offset " + std::to_string(doc.GetErrorOffset())};
  if (!doc.IsObject())
    return http_error{400, "malformed_json", "the body must be a JSON object"};
  return std::nullopt;
}

std::optional<http_error> get_string(const rapidjson::Document& doc,
                                     const char* key, std::string& out,
                                     bool required) {
  auto i = doc.FindMember(key);
  if (i == doc.MemberEnd()) {
    if (!required)
      return std::nullopt;
    return http_error{400, "missing_field",
                      std::string{"field '"} + key + "' is missing"};
  }
  if (!i->value.IsString())
    return http_error{400, "invalid_field",
                      std::string{"field '"} + key + "' must be a string"};
  out.assign(i->value.GetString(), i->value.GetStringLength());
  return std::nullopt;
}

std::optional<http_error> get_id(const rapidjson::Document& doc,
                                 const char* key, std::string& out,
                                 bool required) {
  if (auto err = get_string(doc, key, out, required))
    return err;
  if ((required || !out.empty()) && !valid_id(out))
    return http_error{400, "invalid_field",
                      std::string{"field '"} + key
                        + "' must be 1 to 64 characters of [A-Za-z0-9_-]"};
  return std::nullopt;
}

std::optional<http_error> get_amount(const rapidjson::Document& doc,
                                     int64_t& out) {
  auto i = doc.FindMember("amount");
  if (i == doc.MemberEnd())
    return http_error{400, "missing_field", "field 'amount' is missing"};
  if (!i->value.IsInt64())
    return http_error{400, "invalid_field",
                      "field 'amount' must be an integer (cents) that fits "
                      "in 64 bits"};
  out = i->value.GetInt64();
  return std::nullopt;
}

std::optional<int64_t> parse_int(const std::string& x) {
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(x.data(), x.data() + x.size(), out);
  if (ec != std::errc{} || ptr != x.data() + x.size() || x.empty())
    return std::nullopt;
  return out;
}

} // namespace bank::detail
