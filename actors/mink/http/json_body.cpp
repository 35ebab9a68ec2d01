#include "mink/http/json_body.hpp"

#include <cctype>
#include <charconv>
#include <limits>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <rapidjson/error/en.h>

namespace mink::http {

namespace {

std::string range_text(int64_t min, int64_t max) {
  if (min == std::numeric_limits<int64_t>::min()
      && max == std::numeric_limits<int64_t>::max())
    return "that fits in 64 bits";
  if (max == std::numeric_limits<int64_t>::max())
    return "at least " + std::to_string(min);
  return "from " + std::to_string(min) + " to " + std::to_string(max);
}

} // namespace

response json_response(int status, std::string body) {
  response res;
  res.status = status;
  res.body = std::move(body);
  return res;
}

void put(json_writer& w, const char* key, const std::string& x) {
  w.Key(key);
  w.String(x.data(), static_cast<rapidjson::SizeType>(x.size()));
}

void put(json_writer& w, const char* key, int64_t x) {
  w.Key(key);
  w.Int64(x);
}

void put_bool(json_writer& w, const char* key, bool x) {
  w.Key(key);
  w.Bool(x);
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64)
    return false;
  for (unsigned char c : id)
    if (!(std::isalnum(c) || c == '_' || c == '-'))
      return false;
  return true;
}

std::optional<http_error> path_id(const request& req, const std::string& what,
                                  std::string& id) {
  id = req.params.empty() ? std::string{} : req.params.front();
  if (valid_id(id))
    return std::nullopt;
  return http_error{400, "invalid_id",
                    what + " ids are 1 to 64 characters of [A-Za-z0-9_-]"};
}

std::optional<http_error> parse_object(const std::string& body,
                                       rapidjson::Document& doc,
                                       bool allow_empty) {
  if (body.empty() && allow_empty) {
    doc.SetObject();
    return std::nullopt;
  }
  doc.Parse<rapidjson::kParseIterativeFlag
            | rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
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

std::optional<http_error> get_int(const rapidjson::Document& doc,
                                  const char* key, int64_t& out, int64_t min,
                                  int64_t max) {
  auto i = doc.FindMember(key);
  if (i == doc.MemberEnd())
    return http_error{400, "missing_field",
                      std::string{"field '"} + key + "' is missing"};
  if (!i->value.IsInt64() || i->value.GetInt64() < min
      || i->value.GetInt64() > max)
    return http_error{400, "invalid_field",
                      std::string{"field '"} + key + "' must be an integer "
                        + range_text(min, max)};
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

std::optional<http_error> query_int(const request& req, const char* name,
                                    int64_t& out, int64_t min, int64_t max) {
  auto p = req.query_param(name);
  if (!p)
    return std::nullopt;
  auto x = parse_int(*p);
  if (!x || *x < min || *x > max)
    return http_error{400, "invalid_parameter",
                      std::string{name} + " must be an integer "
                        + range_text(min, max)};
  out = *x;
  return std::nullopt;
}

} // namespace mink::http
