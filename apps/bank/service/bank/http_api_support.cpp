// The HTTP API's shared helpers: answers and the parsing of request bodies
// and parameters.

#include <charconv>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "bank/http_api_detail.hpp"
#include "bank/http_errors.hpp"

namespace bank::detail {

response json(int status, std::string body) {
  response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

void send_error(const responder& reply, const http_error& err) {
  reply.error(err.status, err.code, err.message);
}

void send_error(const responder& reply, const caf::error& err) {
  send_error(reply, to_http_error(err));
}

std::optional<http_error> path_id(const request& req, const std::string& what,
                                  std::string& id) {
  id = req.params.empty() ? std::string{} : req.params.front();
  if (valid_id(id))
    return std::nullopt;
  return http_error{400, "invalid_id",
                    what + " ids are 1 to 64 characters of [A-Za-z0-9_-]"};
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
  std::unordered_set<std::string_view> keys;
  for (const auto& m : doc.GetObject())
    if (!keys.emplace(m.name.GetString(), m.name.GetStringLength()).second)
      return http_error{400, "malformed_json",
                        "the body has the key '"
                          + std::string{m.name.GetString(),
                                        m.name.GetStringLength()}
                          + "' twice"};
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
